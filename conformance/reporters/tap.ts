import type { RunReport } from '../runner/result.ts';

function yamlish(obj: Record<string, unknown>): string[] {
  return ['  ---', ...Object.entries(obj).filter(([, v]) => v !== undefined).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`), '  ...'];
}

/** TAP 14: plan first; skipped/unsupported are # SKIP, expected failures # TODO. */
export function renderTap(report: RunReport): string {
  const out = ['TAP version 14', `1..${report.results.length}`];
  report.results.forEach((r, i) => {
    const n = i + 1;
    const name = `${r.id} - ${r.title.replace(/#/g, '\\#')}`;
    switch (r.status) {
      case 'pass':
        out.push(`ok ${n} ${name}`);
        break;
      case 'skipped':
      case 'unsupported':
        out.push(`ok ${n} ${name} # SKIP ${r.status}: ${r.message ?? ''}`);
        break;
      case 'expected-fail':
        out.push(`not ok ${n} ${name} # TODO ${r.message ?? ''}`);
        break;
      default:
        out.push(`not ok ${n} ${name}`);
        out.push(...yamlish({ status: r.status, message: r.message, clauses: r.clauses, expected: r.expected, observed: r.observed, seed: r.seed, counterexample: r.counterexample }));
    }
  });
  return out.join('\n') + '\n';
}
