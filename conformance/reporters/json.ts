import type { RunReport } from '../runner/result.ts';

/** The machine-readable report (input to `report --html` and `expectations --from`). */
export function renderJson(report: RunReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

export function parseReport(text: string, source: string): RunReport {
  const r = JSON.parse(text) as RunReport;
  if (r.format !== 'swoole-conformance-report' || r.formatVersion !== 1 || !Array.isArray(r.results)) {
    throw new Error(`${source} is not a swoole-conformance JSON report (format version 1)`);
  }
  return r;
}
