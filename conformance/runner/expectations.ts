import { readFileSync } from 'node:fs';
import type { CaseResult, RunReport } from './result.ts';

/**
 * An implementation's known divergences: case id → reason. A listed case that fails is
 * "expected-fail"; a listed case that passes fails the run (so the file never goes stale).
 */
export interface ExpectationsFile {
  implementation: string;
  /** case id → why it is expected to fail (cite the clause's do-not-mirror note). */
  failures: Record<string, string>;
}

export function loadExpectations(path: string): ExpectationsFile {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<ExpectationsFile>;
  if (typeof raw !== 'object' || raw === null || typeof raw.failures !== 'object' || raw.failures === null) {
    throw new Error(`${path}: expected {"implementation": string, "failures": {caseId: reason}}`);
  }
  return { implementation: raw.implementation ?? '', failures: raw.failures as Record<string, string> };
}

export function applyExpectations(results: CaseResult[], exp: ExpectationsFile | undefined): CaseResult[] {
  if (!exp) return results;
  return results.map((r) => {
    const reason = exp.failures[r.id];
    if (reason === undefined) return r;
    if (r.status === 'fail') return { ...r, status: 'expected-fail', message: `${reason} (observed: ${r.message ?? ''})` };
    if (r.status === 'pass') {
      return { ...r, status: 'fail', unexpectedPass: true, message: `expected to fail (${reason}) but passed: remove it from the expectations file` };
    }
    return r;
  });
}

/** Regenerates an expectations file from a report: every fail/expected-fail becomes an entry. */
export function expectationsFrom(report: RunReport, previous?: ExpectationsFile): ExpectationsFile {
  const failures: Record<string, string> = {};
  for (const r of report.results) {
    if ((r.status === 'fail' && !r.unexpectedPass) || r.status === 'expected-fail') {
      failures[r.id] = previous?.failures[r.id] ?? (r.message ?? 'fails').split(' (observed:')[0]!;
    }
  }
  return { implementation: report.implementation.name, failures };
}
