/**
 * A small JSON-Schema subset validator: enough for our own schemas (clauses, features, vectors)
 * and for adapter messages in the conformance runner. Pure and dependency-free.
 *
 * Supported keywords: type (string or list; "integer" included), required, properties,
 * additionalProperties (boolean or schema), enum, const, pattern, items, minItems, maxItems,
 * uniqueItems, oneOf, anyOf, minimum, maximum, minLength, maxLength, $ref to "#/$defs/<name>".
 * Unknown keywords are rejected when the schema is compiled, so a typo cannot silently pass.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Schema {
  $schema?: string;
  $id?: string;
  $defs?: Record<string, Schema>;
  $ref?: string;
  title?: string;
  description?: string;
  type?: SchemaType | SchemaType[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  enum?: JsonValue[];
  const?: JsonValue;
  pattern?: string;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

export type SchemaType = 'null' | 'boolean' | 'number' | 'integer' | 'string' | 'array' | 'object';

export interface SchemaIssue {
  /** JSON Pointer to the offending value ("" is the root). */
  path: string;
  /** Which keyword failed. */
  keyword: string;
  message: string;
}

const KNOWN_KEYWORDS = new Set([
  '$schema', '$id', '$defs', '$ref', '$comment', 'title', 'description', 'examples', 'type', 'required',
  'properties', 'additionalProperties', 'enum', 'const', 'pattern', 'items', 'minItems', 'maxItems',
  'uniqueItems', 'oneOf', 'anyOf', 'minimum', 'maximum', 'minLength', 'maxLength',
]);

/** Thrown for a schema that uses keywords or refs this validator does not understand. */
export class SchemaDefinitionError extends Error {
  override name = 'SchemaDefinitionError';
}

function typeOf(value: unknown): SchemaType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as SchemaType;
}

function matchesType(value: unknown, type: SchemaType): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Structural equality for JSON values (used by enum, const, uniqueItems). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as never)[k], (b as never)[k]));
}

function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Check every subschema for unsupported keywords and unresolvable refs, once, up front. */
function checkDefinition(schema: Schema, root: Schema, where: string): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new SchemaDefinitionError(`${where}: a schema must be an object`);
  }
  for (const key of Object.keys(schema)) {
    if (!KNOWN_KEYWORDS.has(key)) throw new SchemaDefinitionError(`${where}: unsupported keyword "${key}"`);
  }
  if (schema.$ref !== undefined) resolveRef(root, schema.$ref, where);
  if (schema.pattern !== undefined) new RegExp(schema.pattern, 'u');
  for (const [name, sub] of Object.entries(schema.$defs ?? {})) checkDefinition(sub, root, `${where}/$defs/${name}`);
  for (const [name, sub] of Object.entries(schema.properties ?? {})) checkDefinition(sub, root, `${where}/properties/${name}`);
  if (typeof schema.additionalProperties === 'object') checkDefinition(schema.additionalProperties, root, `${where}/additionalProperties`);
  if (schema.items) checkDefinition(schema.items, root, `${where}/items`);
  schema.oneOf?.forEach((sub, i) => checkDefinition(sub, root, `${where}/oneOf/${i}`));
  schema.anyOf?.forEach((sub, i) => checkDefinition(sub, root, `${where}/anyOf/${i}`));
}

function resolveRef(root: Schema, ref: string, where: string): Schema {
  const match = /^#\/\$defs\/([^/]+)$/.exec(ref);
  const target = match ? root.$defs?.[match[1]!] : undefined;
  if (!target) throw new SchemaDefinitionError(`${where}: cannot resolve $ref "${ref}" (only "#/$defs/<name>" is supported)`);
  return target;
}

/** A compiled validator: call it with a value, get the list of issues (empty when valid). */
export type Validator = (value: unknown) => SchemaIssue[];

export function compileSchema(root: Schema): Validator {
  checkDefinition(root, root, '#');
  const patterns = new Map<string, RegExp>();
  const regex = (p: string): RegExp => {
    let r = patterns.get(p);
    if (!r) patterns.set(p, (r = new RegExp(p, 'u')));
    return r;
  };

  function validate(schema: Schema, value: unknown, path: string, out: SchemaIssue[]): void {
    const fail = (keyword: string, message: string, at = path): void => {
      out.push({ path: at, keyword, message });
    };
    if (schema.$ref !== undefined) validate(resolveRef(root, schema.$ref, path), value, path, out);

    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (!types.some((t) => matchesType(value, t))) {
        fail('type', `expected ${types.join(' or ')}, got ${typeOf(value)}`);
        return; // other keywords would only add noise about the same value
      }
    }
    if (schema.const !== undefined && !jsonEqual(value, schema.const)) {
      fail('const', `expected ${JSON.stringify(schema.const)}`);
    }
    if (schema.enum !== undefined && !schema.enum.some((e) => jsonEqual(value, e))) {
      fail('enum', `expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`);
    }

    if (typeof value === 'string') {
      const length = [...value].length;
      if (schema.minLength !== undefined && length < schema.minLength) fail('minLength', `shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && length > schema.maxLength) fail('maxLength', `longer than ${schema.maxLength}`);
      if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) {
        fail('pattern', `${JSON.stringify(value)} does not match /${schema.pattern}/`);
      }
    }
    if (typeof value === 'number') {
      if (schema.minimum !== undefined && value < schema.minimum) fail('minimum', `${value} < ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) fail('maximum', `${value} > ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
      if (schema.minItems !== undefined && value.length < schema.minItems) fail('minItems', `fewer than ${schema.minItems} items`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems) fail('maxItems', `more than ${schema.maxItems} items`);
      if (schema.uniqueItems) {
        for (let i = 0; i < value.length; i++) {
          for (let j = 0; j < i; j++) {
            if (jsonEqual(value[i], value[j])) fail('uniqueItems', `items ${j} and ${i} are equal`, `${path}/${i}`);
          }
        }
      }
      if (schema.items) value.forEach((item, i) => validate(schema.items!, item, `${path}/${i}`, out));
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) {
        if (!Object.hasOwn(record, key)) fail('required', `missing property "${key}"`);
      }
      const props = schema.properties ?? {};
      for (const [key, child] of Object.entries(record)) {
        const at = `${path}/${escapePointer(key)}`;
        const sub = props[key];
        if (sub) validate(sub, child, at, out);
        else if (schema.additionalProperties === false) fail('additionalProperties', `unexpected property "${key}"`, at);
        else if (typeof schema.additionalProperties === 'object') validate(schema.additionalProperties, child, at, out);
      }
    }

    if (schema.anyOf) {
      const branches = schema.anyOf.map((sub) => collect(sub, value, path));
      if (!branches.some((b) => b.length === 0)) {
        fail('anyOf', `matches none of ${branches.length} alternatives${explainBranches(branches)}`);
      }
    }
    if (schema.oneOf) {
      const branches = schema.oneOf.map((sub) => collect(sub, value, path));
      const passing = branches.filter((b) => b.length === 0).length;
      if (passing === 0) fail('oneOf', `matches none of ${branches.length} alternatives${explainBranches(branches)}`);
      else if (passing > 1) fail('oneOf', `matches ${passing} alternatives, expected exactly one`);
    }
  }

  function collect(schema: Schema, value: unknown, path: string): SchemaIssue[] {
    const out: SchemaIssue[] = [];
    validate(schema, value, path, out);
    return out;
  }

  return (value) => collect(root, value, '');
}

/** The closest branch's first issue, so a failed oneOf still says what was wrong. */
function explainBranches(branches: SchemaIssue[][]): string {
  const best = [...branches].sort((a, b) => a.length - b.length)[0];
  const first = best?.[0];
  return first ? ` (closest: ${first.path || '/'} ${first.message})` : '';
}

/** One line per issue, for error messages and CLI output. */
export function formatIssues(issues: SchemaIssue[]): string {
  return issues.map((i) => `${i.path || '/'}: ${i.keyword}: ${i.message}`).join('\n');
}
