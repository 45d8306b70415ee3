import type { CaseResult, RunReport, Status } from '../runner/result.ts';
import { escapeXml as x } from './xml.ts';

const NO_CLAUSE = '(no clause)';

const colour: Record<Status, string> = {
  pass: '#1a7f37',
  fail: '#cf222e',
  error: '#8250df',
  'expected-fail': '#bf8700',
  unsupported: '#6e7781',
  skipped: '#6e7781',
};

/**
 * Side-by-side matrix of several implementations' results: rows are cases grouped by the clause
 * they cite, columns are implementations. One file, inline CSS, no scripts or external assets.
 */
export function renderHtml(reports: RunReport[]): string {
  const cases = new Map<string, { title: string; clauses: string[] }>();
  for (const rep of reports) for (const r of rep.results) cases.set(r.id, { title: r.title, clauses: r.clauses });
  const byClause = new Map<string, string[]>();
  for (const [id, c] of cases) for (const cl of c.clauses.length ? c.clauses : [NO_CLAUSE]) byClause.set(cl, [...(byClause.get(cl) ?? []), id]);
  const lookup = reports.map((rep) => new Map<string, CaseResult>(rep.results.map((r) => [r.id, r])));
  const head = reports.map((r) => `<th>${x(r.implementation.name)}<br><small>${x(r.implementation.version)} · ${r.summary.pass} passed, ${r.summary.fail} failed</small></th>`).join('');
  const rows: string[] = [];
  for (const [clause, ids] of [...byClause].sort(([a], [b]) => a.localeCompare(b))) {
    rows.push(`<tr class="clause"><th colspan="${reports.length + 1}" id="${x(clause)}">${x(clause)}</th></tr>`);
    for (const id of ids.sort()) {
      const cells = lookup
        .map((m) => {
          const r = m.get(id);
          if (!r) return '<td class="none">—</td>';
          const tip = [r.message, r.expected !== undefined ? `expected: ${JSON.stringify(r.expected)}` : '', r.observed !== undefined ? `observed: ${JSON.stringify(r.observed)}` : ''].filter(Boolean).join('\n');
          return `<td style="color:${colour[r.status]}" title="${x(tip)}">${x(r.status)}${r.message && r.status !== 'pass' ? `<div class="msg">${x(r.message.slice(0, 300))}</div>` : ''}</td>`;
        })
        .join('');
      rows.push(`<tr><td><code>${x(id)}</code><div class="msg">${x(cases.get(id)!.title)}</div></td>${cells}</tr>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>swoole-conformance results</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#1f2328}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}
tr.clause th{background:#f6f8fa}.msg{font-size:12px;color:#57606a;white-space:pre-wrap}td{font-weight:600}
</style></head><body>
<h1>swoole-conformance</h1>
<p>${reports.length} implementation(s), ${cases.size} case(s), grouped by spec clause.</p>
<table><thead><tr><th>case</th>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}
