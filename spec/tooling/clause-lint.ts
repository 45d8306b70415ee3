/**
 * The clause lint: every clause is cited somewhere, every citation names a real clause.
 *
 * Clauses come from spec/clauses/*.json (validated against spec/schema/clauses.schema.json).
 * Citations come from
 *   - fixture JSON (fixtures/**\/*.json): any "clause" string field or "clauses" string array,
 *   - TypeScript under test/ and conformance/: any `clause:<id>` token (test names, comments)
 *     and any `clauses: ['<id>', ...]` array (conformance case metadata).
 * The checking core (`lintClauses`) is pure; `loadLintInput` does the file reading.
 *
 *   npx tsx spec/tooling/clause-lint.ts   print the report, exit 1 on any problem
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSchema, type Schema } from './json-schema.ts';

export interface SourceFile<T> {
  /** Repository-relative path, used in reports. */
  path: string;
  content: T;
}

export interface Citation {
  id: string;
  /** "path" or "path:line" or "path#/json/pointer". */
  where: string;
}

export interface LintInput {
  clauseFiles: SourceFile<unknown>[];
  features: SourceFile<unknown>;
  jsonSources: SourceFile<unknown>[];
  tsSources: SourceFile<string>[];
}

export interface LintResult {
  /** Schema problems in clause files or the feature registry. */
  invalid: { where: string; message: string }[];
  duplicateIds: { id: string; where: string[] }[];
  unknownFeatures: { tag: string; where: string }[];
  /** Citations of ids that no clause file defines. */
  unknownCitations: Citation[];
  /** Clauses that nothing cites. */
  uncitedClauses: Citation[];
  clauseCount: number;
  citationCount: number;
  ok: boolean;
}

const SPEC_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const clauseSchema = readJson(join(SPEC_DIR, 'schema/clauses.schema.json')) as Schema;
const featureSchema = readJson(join(SPEC_DIR, 'schema/features.schema.json')) as Schema;
const validateClauses = compileSchema(clauseSchema);
const validateFeatures = compileSchema(featureSchema);

const ID = String.raw`[a-z][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+`;
const TOKEN = new RegExp(String.raw`\bclause:(${ID})`, 'g');
/** `clauses: [...]` holding only string literals (other arrays named clauses are not citations). */
const ARRAY = /\bclauses\s*:\s*\[((?:\s*(['"`])[^'"`]*\2\s*,?)*\s*)\]/g;
const STRING = /(['"`])([^'"`]*)\1/g;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `clause:<id>` tokens and `clauses: [...]` arrays in TypeScript source. */
export function collectTsCitations(file: SourceFile<string>): Citation[] {
  const out: Citation[] = [];
  for (const m of file.content.matchAll(TOKEN)) out.push({ id: m[1]!, where: `${file.path}:${lineAt(file.content, m.index)}` });
  for (const m of file.content.matchAll(ARRAY)) {
    const where = `${file.path}:${lineAt(file.content, m.index)}`;
    for (const s of m[1]!.matchAll(STRING)) out.push({ id: s[2]!, where });
  }
  return out;
}

/** "clause" strings and "clauses" string arrays anywhere in a JSON document. */
export function collectJsonCitations(file: SourceFile<unknown>): Citation[] {
  const out: Citation[] = [];
  const walk = (value: unknown, pointer: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${pointer}/${i}`));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${key}`;
      if (key === 'clause' && typeof child === 'string') out.push({ id: child, where: `${file.path}#${at}` });
      else if (key === 'clauses' && Array.isArray(child) && child.every((c) => typeof c === 'string')) {
        child.forEach((id, i) => out.push({ id: id as string, where: `${file.path}#${at}/${i}` }));
      } else walk(child, at);
    }
  };
  walk(file.content, '');
  return out;
}

interface ClauseLike { id: string; features?: string[] }

export function lintClauses(input: LintInput): LintResult {
  const invalid: LintResult['invalid'] = [];
  const defined = new Map<string, string[]>();
  const unknownFeatures: LintResult['unknownFeatures'] = [];

  const featureIssues = validateFeatures(input.features.content);
  for (const issue of featureIssues) invalid.push({ where: `${input.features.path}#${issue.path}`, message: `${issue.keyword}: ${issue.message}` });
  const tags = new Set<string>();
  if (featureIssues.length === 0) {
    for (const f of (input.features.content as { features: { tag: string }[] }).features) tags.add(f.tag);
  }

  for (const file of input.clauseFiles) {
    const issues = validateClauses(file.content);
    if (issues.length) {
      for (const issue of issues) invalid.push({ where: `${file.path}#${issue.path}`, message: `${issue.keyword}: ${issue.message}` });
      continue;
    }
    const { area, clauses } = file.content as { area: string; clauses: ClauseLike[] };
    clauses.forEach((clause, i) => {
      const where = `${file.path}#/clauses/${i}`;
      if (!clause.id.startsWith(`${area}.`)) invalid.push({ where, message: `id "${clause.id}" does not start with the file's area "${area}."` });
      defined.set(clause.id, [...(defined.get(clause.id) ?? []), where]);
      if (featureIssues.length === 0) {
        for (const tag of clause.features ?? []) if (!tags.has(tag)) unknownFeatures.push({ tag, where });
      }
    });
  }
  const duplicateIds = [...defined].filter(([, where]) => where.length > 1).map(([id, where]) => ({ id, where }));

  const citations = [...input.jsonSources.flatMap(collectJsonCitations), ...input.tsSources.flatMap(collectTsCitations)];
  const cited = new Set(citations.map((c) => c.id));
  const unknownCitations = citations.filter((c) => !defined.has(c.id));
  const uncitedClauses = [...defined].filter(([id]) => !cited.has(id)).map(([id, where]) => ({ id, where: where[0]! }));

  return {
    invalid,
    duplicateIds,
    unknownFeatures,
    unknownCitations,
    uncitedClauses,
    clauseCount: defined.size,
    citationCount: citations.length,
    ok: invalid.length + duplicateIds.length + unknownFeatures.length + unknownCitations.length + uncitedClauses.length === 0,
  };
}

export function formatLintReport(r: LintResult): string {
  const lines = [`clause lint: ${r.clauseCount} clauses, ${r.citationCount} citations — ${r.ok ? 'ok' : 'FAILED'}`];
  const section = (title: string, rows: string[]) => {
    if (rows.length) lines.push(`${title} (${rows.length}):`, ...rows.map((row) => `  ${row}`));
  };
  section('invalid clause or feature files', r.invalid.map((x) => `${x.where}: ${x.message}`));
  section('duplicate clause ids', r.duplicateIds.map((x) => `${x.id}: ${x.where.join(', ')}`));
  section('unknown feature tags', r.unknownFeatures.map((x) => `${x.tag} at ${x.where}`));
  section('citations of unknown clauses', r.unknownCitations.map((x) => `${x.id} at ${x.where}`));
  section('clauses nothing cites', r.uncitedClauses.map((x) => `${x.id} (${x.where})`));
  return lines.join('\n');
}

function listFiles(dir: string, suffix: string): string[] {
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return []; }
  return entries.sort().flatMap((name) => {
    if (name === 'node_modules' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listFiles(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

/** Read everything the lint looks at from a checkout (default: this repository). */
export function loadLintInput(root = ROOT): LintInput {
  const rel = (p: string) => relative(root, p);
  const json = (p: string): SourceFile<unknown> => ({ path: rel(p), content: readJson(p) });
  return {
    clauseFiles: listFiles(join(root, 'spec/clauses'), '.json').map(json),
    features: json(join(root, 'spec/features.json')),
    jsonSources: listFiles(join(root, 'fixtures'), '.json').map(json),
    tsSources: ['test', 'conformance'].flatMap((d) => listFiles(join(root, d), '.ts')).map((p) => ({ path: rel(p), content: readFileSync(p, 'utf8') })),
  };
}


if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = lintClauses(loadLintInput());
  console.log(formatLintReport(result));
  process.exit(result.ok ? 0 : 1);
}
