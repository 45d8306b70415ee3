import { areaOf } from '../case.ts';
import type { CaseResult, RunReport } from '../runner/result.ts';
import { escapeXml as x } from './xml.ts';

function detail(r: CaseResult): string {
  const parts = [r.message ?? ''];
  if (r.expected !== undefined || r.observed !== undefined) parts.push(`expected: ${JSON.stringify(r.expected)}`, `observed: ${JSON.stringify(r.observed)}`);
  if (r.seed !== undefined) parts.push(`seed: ${r.seed}`, `counterexample: ${JSON.stringify(r.counterexample)}`);
  if (r.stderr) parts.push(`adapter output:\n${r.stderr}`);
  return parts.join('\n');
}

/** JUnit XML: one testsuite per area; skipped/unsupported/expected-fail are <skipped>. */
export function renderJunit(report: RunReport): string {
  const byArea = new Map<string, CaseResult[]>();
  for (const r of report.results) byArea.set(areaOf(r.id), [...(byArea.get(areaOf(r.id)) ?? []), r]);
  const s = report.summary;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="swoole-conformance ${x(report.implementation.name)}" tests="${report.results.length}" failures="${s.fail}" errors="${s.error}" skipped="${s.skipped + s.unsupported + s['expected-fail']}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  ];
  for (const [area, rs] of byArea) {
    const f = rs.filter((r) => r.status === 'fail').length;
    const e = rs.filter((r) => r.status === 'error').length;
    const sk = rs.filter((r) => r.status === 'skipped' || r.status === 'unsupported' || r.status === 'expected-fail').length;
    out.push(`  <testsuite name="${x(area)}" tests="${rs.length}" failures="${f}" errors="${e}" skipped="${sk}">`);
    for (const r of rs) {
      out.push(`    <testcase classname="${x(area)}" name="${x(r.id)}" time="${(r.durationMs / 1000).toFixed(3)}">`);
      out.push(`      <properties><property name="clauses" value="${x(r.clauses.join(','))}"/><property name="features" value="${x(r.features.join(','))}"/></properties>`);
      if (r.status === 'fail') out.push(`      <failure message="${x(r.message ?? '')}">${x(detail(r))}</failure>`);
      if (r.status === 'error') out.push(`      <error message="${x(r.message ?? '')}">${x(detail(r))}</error>`);
      if (r.status === 'skipped' || r.status === 'unsupported' || r.status === 'expected-fail') out.push(`      <skipped message="${x(`${r.status}: ${r.message ?? ''}`)}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
