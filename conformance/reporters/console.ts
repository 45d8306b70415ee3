import { areaOf } from '../case.ts';
import type { CaseResult, RunReport, Status } from '../runner/result.ts';

const mark: Record<Status, string> = { pass: '.', fail: 'F', unsupported: 'u', skipped: 's', 'expected-fail': 'x', error: 'E' };

/** Streams one progress line per area (printed when the area's last case finishes). */
export function progressPrinter(ids: string[], write: (s: string) => void): (r: CaseResult) => void {
  const remaining = new Map<string, number>();
  for (const id of ids) remaining.set(areaOf(id), (remaining.get(areaOf(id)) ?? 0) + 1);
  const marks = new Map<string, string>();
  return (r) => {
    const area = areaOf(r.id);
    marks.set(area, (marks.get(area) ?? '') + mark[r.status]);
    const left = (remaining.get(area) ?? 1) - 1;
    remaining.set(area, left);
    if (left === 0) write(`${area.padEnd(28)} ${marks.get(area)}\n`);
  };
}

function diffLines(r: CaseResult): string[] {
  const out: string[] = [];
  if (r.expected !== undefined || r.observed !== undefined) {
    out.push(`    expected: ${JSON.stringify(r.expected)}`);
    out.push(`    observed: ${JSON.stringify(r.observed)}`);
  }
  if (r.seed !== undefined) out.push(`    seed: ${r.seed}  counterexample: ${JSON.stringify(r.counterexample)}`);
  return out;
}

/** Failures in detail, a table by area, and the final plain line `N passed, N failed`. */
export function renderSummary(report: RunReport): string {
  const lines: string[] = [];
  const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'error');
  for (const r of bad) {
    lines.push(`${r.status.toUpperCase()} ${r.id} [${r.clauses.join(', ')}]`);
    lines.push(`    ${r.message ?? ''}`);
    lines.push(...diffLines(r));
  }
  if (bad.length) lines.push('');
  const areas = new Map<string, Record<Status, number>>();
  for (const r of report.results) {
    const a = areaOf(r.id);
    const row = areas.get(a) ?? { pass: 0, fail: 0, unsupported: 0, skipped: 0, 'expected-fail': 0, error: 0 };
    row[r.status]++;
    areas.set(a, row);
  }
  const cols: Status[] = ['pass', 'fail', 'expected-fail', 'unsupported', 'skipped', 'error'];
  lines.push(`${'area'.padEnd(28)} ${cols.map((c) => c.padStart(14)).join('')}`);
  for (const [a, row] of [...areas].sort()) lines.push(`${a.padEnd(28)} ${cols.map((c) => String(row[c]).padStart(14)).join('')}`);
  const s = report.summary;
  lines.push('');
  lines.push(`implementation ${report.implementation.name} ${report.implementation.version}, ${(report.durationMs / 1000).toFixed(1)} s`);
  lines.push(`${s.pass} passed, ${s.fail} failed`);
  lines.push(`${s['expected-fail']} expected-fail, ${s.unsupported} unsupported, ${s.skipped} skipped, ${s.error} errors`);
  return lines.join('\n') + '\n';
}
