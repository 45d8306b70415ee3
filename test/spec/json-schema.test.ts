import t from 'tap';
import { compileSchema, jsonEqual, SchemaDefinitionError, type Schema } from '../../spec/tooling/json-schema.ts';

const keywords = (schema: Schema, value: unknown) => compileSchema(schema)(value).map((i) => `${i.path}|${i.keyword}`);

t.test('type, including integer vs number and type lists', async (t) => {
  t.same(keywords({ type: 'integer' }, 3), []);
  t.same(keywords({ type: 'integer' }, 3.5), ['|type']);
  t.same(keywords({ type: 'number' }, 3), [], 'an integer is a number');
  t.same(keywords({ type: 'object' }, []), ['|type'], 'an array is not an object');
  t.same(keywords({ type: 'object' }, null), ['|type'], 'null is not an object');
  t.same(keywords({ type: ['null', 'string'] }, null), []);
  t.same(keywords({ type: ['null', 'string'] }, 1), ['|type']);
});

t.test('required, properties, additionalProperties', async (t) => {
  const schema: Schema = {
    type: 'object',
    required: ['a'],
    properties: { a: { type: 'string' }, b: { type: 'boolean' } },
    additionalProperties: false,
  };
  t.same(keywords(schema, { a: 'x' }), []);
  t.same(keywords(schema, {}), ['|required']);
  t.same(keywords(schema, { a: 1 }), ['/a|type']);
  t.same(keywords(schema, { a: 'x', c: 1 }), ['/c|additionalProperties']);
  t.same(keywords({ type: 'object', additionalProperties: { type: 'integer' } }, { x: 1, y: 'no' }), ['/y|type']);
  t.same(keywords({ type: 'object', properties: { 'a/b': { type: 'string' } } }, { 'a/b': 1 }), ['/a~1b|type'], 'pointer escaping');
});

t.test('enum, const, pattern, lengths, bounds', async (t) => {
  t.same(keywords({ enum: ['a', 1, { x: [1] }] }, { x: [1] }), [], 'enum compares structurally');
  t.same(keywords({ enum: ['a', 1] }, 'b'), ['|enum']);
  t.same(keywords({ const: [1, 2] }, [1, 2]), []);
  t.same(keywords({ const: [1, 2] }, [2, 1]), ['|const']);
  t.same(keywords({ type: 'string', pattern: '^[0-9a-f]*$' }, 'beef'), []);
  t.same(keywords({ type: 'string', pattern: '^[0-9a-f]*$' }, 'BEEF'), ['|pattern']);
  t.same(keywords({ type: 'string', minLength: 2, maxLength: 3 }, 'a'), ['|minLength']);
  t.same(keywords({ type: 'string', minLength: 2, maxLength: 3 }, 'abcd'), ['|maxLength']);
  t.same(keywords({ type: 'string', maxLength: 1 }, '😀'), [], 'lengths count code points');
  t.same(keywords({ type: 'integer', minimum: 0, maximum: 10 }, -1), ['|minimum']);
  t.same(keywords({ type: 'integer', minimum: 0, maximum: 10 }, 11), ['|maximum']);
  t.same(keywords({ type: 'integer', minimum: 0, maximum: 10 }, 10), []);
});

t.test('items, minItems, maxItems, uniqueItems', async (t) => {
  const schema: Schema = { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2, uniqueItems: true };
  t.same(keywords(schema, ['a']), []);
  t.same(keywords(schema, []), ['|minItems']);
  t.same(keywords(schema, ['a', 'b', 'c']), ['|maxItems']);
  t.same(keywords(schema, ['a', 'a']), ['/1|uniqueItems']);
  t.same(keywords(schema, ['a', 2]), ['/1|type']);
});

t.test('oneOf and anyOf', async (t) => {
  const one: Schema = { oneOf: [{ type: 'string' }, { type: 'integer' }, { type: 'number', minimum: 100 }] };
  t.same(keywords(one, 'x'), []);
  t.same(keywords(one, 3), []);
  t.same(keywords(one, 300), ['|oneOf'], 'matching two branches fails oneOf');
  t.same(keywords(one, true), ['|oneOf']);
  const any: Schema = { anyOf: [{ type: 'integer' }, { type: 'number', minimum: 100 }] };
  t.same(keywords(any, 300), [], 'anyOf accepts several matches');
  t.same(keywords(any, 1.5), ['|anyOf']);
  const [issue] = compileSchema({ oneOf: [{ type: 'object', required: ['hex'] }, { type: 'string' }] })({});
  t.match(issue?.message, /closest: .*hex/, 'a failed oneOf names the closest branch problem');
});

t.test('$ref to local $defs, recursively', async (t) => {
  const tree: Schema = {
    $defs: { node: { type: 'object', required: ['v'], properties: { v: { type: 'integer' }, kids: { type: 'array', items: { $ref: '#/$defs/node' } } }, additionalProperties: false } },
    $ref: '#/$defs/node',
  };
  t.same(keywords(tree, { v: 1, kids: [{ v: 2, kids: [{ v: 3 }] }] }), []);
  t.same(keywords(tree, { v: 1, kids: [{ v: 2, kids: [{ v: 'x' }] }] }), ['/kids/0/kids/0/v|type']);
});

t.test('bad schemas are refused up front', async (t) => {
  t.throws(() => compileSchema({ typo: 1 } as unknown as Schema), SchemaDefinitionError);
  t.throws(() => compileSchema({ $ref: '#/$defs/missing' }), SchemaDefinitionError);
  t.throws(() => compileSchema({ $ref: 'http://example.com/x.json' }), SchemaDefinitionError);
  t.throws(() => compileSchema({ properties: { a: { ifThen: true } } } as unknown as Schema), SchemaDefinitionError, 'nested keywords are checked too');
});

t.test('jsonEqual', async (t) => {
  t.ok(jsonEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] }));
  t.notOk(jsonEqual({ a: 1 }, { a: 1, b: undefined }));
  t.notOk(jsonEqual([1], { 0: 1 }));
  t.notOk(jsonEqual(1, '1'));
});
