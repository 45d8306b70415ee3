import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../reference/package-root.ts';
import { compileSchema, formatIssues as formatSchemaIssues, type Schema, type SchemaIssue, type Validator } from '../../spec/tooling/json-schema.ts';
import type { AdapterMessage, DescribeLine, UnavailableLine } from './messages.ts';

const schema = JSON.parse(readFileSync(join(packageRoot, 'spec/schema/adapter-messages.schema.json'), 'utf8')) as Schema;

/** One compiled validator per message kind, so an error names the real problem. */
const byKind = new Map<string, Validator>(Object.keys(schema.$defs ?? {}).map((name) => [name, compileSchema({ $ref: `#/$defs/${name}`, $defs: schema.$defs })]));

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[]; raw: string };

function parseAgainst<T>(line: string, kinds: string[]): Checked<T> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, raw: line, issues: [{ path: '', keyword: 'json', message: `not JSON: ${(e as Error).message}` }] };
  }
  const v = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  // The discriminator: `t` on control lines; describe lines are told apart by `unavailable`.
  const kind = v === undefined ? undefined : typeof v.t === 'string' ? v.t : 'unavailable' in v ? 'unavailable' : 'describe';
  if (kind === undefined || !kinds.includes(kind)) {
    return { ok: false, raw: line, issues: [{ path: v && typeof v.t === 'string' ? '/t' : '', keyword: 'kind', message: `expected one of ${kinds.join(', ')}, got ${v ? JSON.stringify(v.t ?? kind) : typeof value}` }] };
  }
  const issues = byKind.get(kind)!(value);
  return issues.length === 0 ? { ok: true, value: value as T } : { ok: false, issues, raw: line };
}

/** One control-socket line from an adapter. */
export function checkAdapterLine(line: string): Checked<AdapterMessage> {
  return parseAgainst<AdapterMessage>(line, ['hello', 'event', 'done', 'log']);
}

/** The single stdout line of `describe`. */
export function checkDescribeLine(line: string): Checked<DescribeLine | UnavailableLine> {
  return parseAgainst<DescribeLine | UnavailableLine>(line, ['describe', 'unavailable']);
}

export function formatIssues(issues: SchemaIssue[]): string {
  return formatSchemaIssues(issues).replace(/\n/g, '; ');
}
