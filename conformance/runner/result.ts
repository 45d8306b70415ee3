/** Outcome of one case against one implementation. */
export type Status = 'pass' | 'fail' | 'unsupported' | 'skipped' | 'expected-fail' | 'error';

export interface CaseResult {
  id: string;
  title: string;
  clauses: string[];
  features: string[];
  status: Status;
  durationMs: number;
  /** One-line reason (fail/skip/unsupported/error/expected-fail). */
  message?: string;
  expected?: unknown;
  observed?: unknown;
  /** Property cases: the seed and the shrunk counterexample. */
  seed?: number;
  counterexample?: unknown;
  /** Set when an expected failure passed: the run fails on it. */
  unexpectedPass?: boolean;
  /** Adapter stderr tail, for fail/error. */
  stderr?: string;
}

export interface RunReport {
  format: 'swoole-conformance-report';
  formatVersion: 1;
  implementation: { name: string; version: string; features: string[]; command: string };
  startedAt: string;
  durationMs: number;
  options: { filter?: string; shard?: string; seed: number; runs?: number; timeout: number; jobs: number };
  results: CaseResult[];
  summary: Record<Status, number>;
  exitCode: number;
}

export function summarize(results: CaseResult[]): Record<Status, number> {
  const s: Record<Status, number> = { pass: 0, fail: 0, unsupported: 0, skipped: 0, 'expected-fail': 0, error: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** 0 all good, 1 conformance failures (incl. unexpected passes), 2 harness/adapter errors. */
export function exitCodeFor(results: CaseResult[]): number {
  if (results.some((r) => r.status === 'error')) return 2;
  if (results.some((r) => r.status === 'fail')) return 1;
  return 0;
}
