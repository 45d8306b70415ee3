/**
 * The JSON-Schema subset the adapter-message schema uses (type, const, enum, required,
 * properties, additionalProperties:false, items, minimum, minLength, pattern, oneOf, local $ref).
 * Kept small on purpose; swap for spec/tooling/json-schema.ts once that lands on main.
 */

type Schema = Record<string, unknown>;

export interface SchemaIssue {
  path: string;
  problem: string;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

export function validate(root: Schema, value: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(root, root, value, '$', issues);
  return issues;
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'object' || node === null) throw new Error(`dangling $ref ${ref}`);
  return node as Schema;
}

function walk(root: Schema, schema: Schema, v: unknown, path: string, out: SchemaIssue[]): void {
  if (typeof schema.$ref === 'string') return walk(root, resolve(root, schema.$ref), v, path, out);
  if (Array.isArray(schema.oneOf)) {
    const passing = schema.oneOf.filter((s) => {
      const sub: SchemaIssue[] = [];
      walk(root, s as Schema, v, path, sub);
      return sub.length === 0;
    });
    if (passing.length !== 1) out.push({ path, problem: `matches ${passing.length} of the oneOf alternatives (need exactly 1)` });
    return;
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) {
    out.push({ path, problem: `must be ${JSON.stringify(schema.const)}` });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({ path, problem: `must be one of ${JSON.stringify(schema.enum)}` });
    return;
  }
  const actual = typeOf(v);
  if (schema.type !== undefined) {
    const wanted = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!wanted.some((w) => typeMatches(actual, w))) {
      out.push({ path, problem: `must be of type ${wanted.join('|')}, got ${actual}` });
      return;
    }
  }
  if ((actual === 'integer' || actual === 'number') && typeof schema.minimum === 'number' && (v as number) < schema.minimum) {
    out.push({ path, problem: `must be >= ${schema.minimum}` });
  }
  if (actual === 'string') {
    const s = v as string;
    if (typeof schema.minLength === 'number' && s.length < schema.minLength) out.push({ path, problem: `must have length >= ${schema.minLength}` });
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(s)) out.push({ path, problem: `must match ${schema.pattern}` });
  }
  if (actual === 'array' && schema.items) {
    (v as unknown[]).forEach((item, i) => walk(root, schema.items as Schema, item, `${path}[${i}]`, out));
  }
  if (actual === 'object') {
    const obj = v as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in obj)) out.push({ path, problem: `missing required property "${key}"` });
    }
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, val] of Object.entries(obj)) {
      if (props[key]) walk(root, props[key], val, `${path}.${key}`, out);
      else if (schema.additionalProperties === false) out.push({ path, problem: `unexpected property "${key}"` });
    }
  }
}
