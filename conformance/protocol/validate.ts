import { readFileSync } from 'node:fs';
import { validate, type SchemaIssue } from './json-schema-lite.ts';
import type { AdapterMessage, DescribeLine, UnavailableLine } from './messages.ts';

const schemaUrl = new URL('../../spec/schema/adapter-messages.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[]; raw: string };

function parseAgainst<T>(line: string, defs: string[]): Checked<T> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, raw: line, issues: [{ path: '$', problem: `not JSON: ${(e as Error).message}` }] };
  }
  // Pick the alternative by its discriminator so an error names the real problem.
  const v = value as Record<string, unknown> | null;
  const tag = typeof v === 'object' && v !== null ? (typeof v.t === 'string' ? v.t : 'unavailable' in v ? 'unavailable' : 'describe') : undefined;
  const chosen = tag && defs.includes(tag) ? [tag] : defs;
  const s = chosen.length === 1 ? { $ref: `#/$defs/${chosen[0]}`, $defs: schema.$defs } : { oneOf: chosen.map((d) => ({ $ref: `#/$defs/${d}` })), $defs: schema.$defs };
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

