import type { ConformanceCase } from '../case.ts';
import { AdapterError, AssertionFailure, CaseSkip, WaitTimeout } from './errors.ts';
import { Harness } from './harness.ts';
import type { CaseResult } from './result.ts';

export interface CaseRunOptions {
  command: string[];
  timeoutMultiplier: number;
  seed: number;
  runs: number | undefined;
  env?: Record<string, string>;
  /** Whole-case budget before the runner gives up (scaled). */
  caseBudgetMs?: number;
}

/** Runs one case in isolation and always tears it down, whatever happened. */
export async function runCase(c: ConformanceCase, opts: CaseRunOptions): Promise<CaseResult> {
  const t0 = Date.now();
  const base: Omit<CaseResult, 'status' | 'durationMs'> = { id: c.id, title: c.title, clauses: c.clauses, features: c.features };
  const h = new Harness({ command: opts.command, caseId: c.id, scenario: c.scenario, timeoutMultiplier: opts.timeoutMultiplier, seed: opts.seed, runs: opts.runs, env: opts.env });
  let result: Omit<CaseResult, 'durationMs'>;
  const budget = Math.round((c.budgetMs ?? opts.caseBudgetMs ?? 30000) * opts.timeoutMultiplier);
  let budgetTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.run(h),
      new Promise((_, reject) => (budgetTimer = setTimeout(() => reject(new WaitTimeout(`case exceeded its ${budget} ms budget; saw: ${h.traceSummary()}`)), budget))),
    ]);
    result = { ...base, status: 'pass' };
  } catch (e) {
    result = classify(base, e, h);
  } finally {
    clearTimeout(budgetTimer);
  }
  const { leftovers } = await h.teardown();
  if (h.fatal && result.status !== 'error') result = { ...base, status: 'error', message: h.fatal.message };
  if (leftovers.length && (result.status === 'pass' || result.status === 'fail')) {
    result = { ...base, status: 'fail', message: `processes outlived the master: ${leftovers.join(', ')}` + (result.status === 'fail' ? `; and: ${result.message}` : '') };
  }
  if (result.status === 'fail' || result.status === 'error') result = { ...result, stderr: h.stderrTail.slice(-1500) };
  return { ...result, durationMs: Date.now() - t0 };
}

function classify(base: Omit<CaseResult, 'status' | 'durationMs'>, e: unknown, h: Harness): Omit<CaseResult, 'durationMs'> {
  if (e instanceof CaseSkip) return { ...base, status: 'skipped', message: e.reason };
  if (e instanceof AssertionFailure) {
    return { ...base, status: 'fail', message: e.message, expected: e.expected, observed: e.observed, ...(e.extra as object) };
  }
  if (e instanceof AdapterError) return { ...base, status: 'error', message: e.message };
  if (e instanceof WaitTimeout) {
    // A master that died before saying hello is an adapter problem, not a conformance verdict.
    const ex = h.exitStatus;
    if (h.hellos.length === 0 && ex) return { ...base, status: 'error', message: `adapter exited (code ${ex.code}, signal ${ex.signal}) before any hello; ${e.message}` };
    return { ...base, status: 'fail', message: e.message };
  }
  return { ...base, status: 'error', message: `harness error: ${(e as Error)?.stack ?? String(e)}` };
}
