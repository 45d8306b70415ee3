import type { Scenario } from './protocol/messages.ts';
import type { Harness } from './runner/harness.ts';

/**
 * One conformance case: one behaviour, citing the spec clauses it checks. Cases are written once,
 * in TypeScript, and reach an implementation only through the adapter protocol.
 */
export interface ConformanceCase {
  /** Stable id, dotted: <kind>.<area>.<behaviour>, e.g. pool.unixsock.truncate-without-bus. */
  id: string;
  title: string;
  /** Spec clause ids (spec/clauses/*.json) this case checks. */
  clauses: string[];
  /** Feature tags (spec/features.json) the implementation must declare, else "unsupported". */
  features: string[];
  /** Runner-side capabilities, e.g. 'native' for the SysV producer; missing → "skipped". */
  needs?: 'native'[];
  /** Exclusive resources (e.g. 'msgqueue:0x5a0a1'): cases sharing one never run in parallel. */
  resources?: string[];
  /** True for fast-check cases: they honour --seed/--runs and report counterexamples. */
  property?: boolean;
  /** Whole-case budget in ms (scaled by --timeout) when 30 s is too little (model-based cases). */
  budgetMs?: number;
  /** The scenario the adapter builds; a function gets the case's private dir (for unix paths). */
  scenario: Scenario | ((ctx: { tmpdir: string }) => Scenario);
  run(h: Harness): Promise<void>;
}

export function defineCase(c: ConformanceCase): ConformanceCase {
  return c;
}

/** Area of a case id: its first two segments (pool.unixsock). */
export function areaOf(id: string): string {
  return id.split('.').slice(0, 2).join('.');
}
