import { readFileSync } from 'node:fs';
import { validate, type SchemaIssue } from './json-schema-lite.ts';
import type { AdapterMessage, DescribeLine, UnavailableLine } from './messages.ts';

const schemaUrl = new URL('../../spec/schema/adapter-messages.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;

function sub(name: string): Record<string, unknown> {
  return { $ref: `#/$defs/${name}`, $defs: schema.$defs };
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[]; raw: string };

function parseAgainst<T>(line: string, defs: string[]): Checked<T> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, raw: line, issues: [{ path: '$', problem: `not JSON: ${(e as Error).message}` }] };
  }
  const s = { oneOf: defs.map((d) => ({ $ref: `#/$defs/${d}` })), $defs: schema.$defs };
  const issues = validate(s, value);
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
  return issues.map((i) => `${i.path}: ${i.problem}`).join('; ');
}

export { sub as schemaFor };
