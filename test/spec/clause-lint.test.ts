import t from 'tap';
import { collectJsonCitations, collectTsCitations, formatLintReport, lintClauses, loadLintInput, type LintInput } from '../../spec/tooling/clause-lint.ts';

// Citation tokens are assembled at run time so this file does not cite anything itself.
const token = (id: string) => `clause${':'}${id}`;
const CLAUSES = 'clauses';

const features = { path: 'spec/features.json', content: { description: 'd', features: [{ tag: 'pool', description: 'p' }] } };
const clause = (id: string, extra: Record<string, unknown> = {}) => ({
  id, statement: 'A statement long enough.', source: { notes: 'swoole-semantics.md F1' }, level: 'observed', features: ['pool'], ...extra,
});
const clauseFile = (path: string, ids: string[], area = 'demo') => ({ path, content: { area, description: 'demo', clauses: ids.map((id) => clause(id)) } });

function input(over: Partial<LintInput>): LintInput {
  return { clauseFiles: [clauseFile('spec/clauses/demo.json', ['demo.a.one', 'demo.a.two'])], features, jsonSources: [], tsSources: [], ...over };
}

t.test('passes when every clause is cited and every citation is known', async (t) => {
  const r = lintClauses(input({
    jsonSources: [{ path: 'fixtures/x.json', content: { vectors: [{ clause: 'demo.a.one' }] } }],
    tsSources: [{ path: 'test/x.test.ts', content: `t.test('${token('demo.a.two')} works', ...)` }],
  }));
  t.ok(r.ok, formatLintReport(r));
  t.equal(r.clauseCount, 2);
  t.equal(r.citationCount, 2);
});

t.test('fails on a clause nobody cites, naming it and its file', async (t) => {
  const r = lintClauses(input({ jsonSources: [{ path: 'fixtures/x.json', content: { clause: 'demo.a.one' } }] }));
  t.notOk(r.ok);
  t.same(r.uncitedClauses, [{ id: 'demo.a.two', where: 'spec/clauses/demo.json#/clauses/1' }]);
  t.match(formatLintReport(r), /clauses nothing cites \(1\):\n {2}demo\.a\.two/);
});

t.test('fails on a citation of an unknown clause, naming where it is', async (t) => {
  const r = lintClauses(input({
    jsonSources: [{ path: 'fixtures/x.json', content: { [CLAUSES]: ['demo.a.one', 'demo.a.two', 'demo.a.three'] } }],
    tsSources: [{ path: 'conformance/cases/c.ts', content: `line one\n// ${token('demo.zz.nope')}.\n` }],
  }));
  t.notOk(r.ok);
  t.same(r.unknownCitations, [
    { id: 'demo.a.three', where: 'fixtures/x.json#/clauses/2' },
    { id: 'demo.zz.nope', where: 'conformance/cases/c.ts:2' },
  ]);
  t.match(formatLintReport(r), /citations of unknown clauses \(2\)/);
});

t.test('fails on duplicate ids across files, a wrong area, unknown features and schema violations', async (t) => {
  const dup = lintClauses(input({
    clauseFiles: [clauseFile('spec/clauses/a.json', ['demo.a.one']), clauseFile('spec/clauses/b.json', ['demo.a.one'])],
    jsonSources: [{ path: 'f.json', content: { clause: 'demo.a.one' } }],
  }));
  t.same(dup.duplicateIds, [{ id: 'demo.a.one', where: ['spec/clauses/a.json#/clauses/0', 'spec/clauses/b.json#/clauses/0'] }]);
  t.notOk(dup.ok);

  const area = lintClauses(input({ clauseFiles: [clauseFile('spec/clauses/a.json', ['other.a.one'])], jsonSources: [{ path: 'f.json', content: { clause: 'other.a.one' } }] }));
  t.match(area.invalid, [{ message: /does not start with the file's area/ }]);

  const feat = lintClauses(input({
    clauseFiles: [{ path: 'c.json', content: { area: 'demo', description: 'd', clauses: [clause('demo.a.one', { features: ['nope'] })] } }],
    jsonSources: [{ path: 'f.json', content: { clause: 'demo.a.one' } }],
  }));
  t.same(feat.unknownFeatures, [{ tag: 'nope', where: 'c.json#/clauses/0' }]);

  const bad = lintClauses(input({
    clauseFiles: [{ path: 'c.json', content: { area: 'demo', description: 'd', clauses: [clause('Demo.A', { level: 'maybe' })] } }],
  }));
  t.notOk(bad.ok);
  t.ok(bad.invalid.some((i) => i.where === 'c.json#/clauses/0/id'), 'id pattern enforced');
  t.ok(bad.invalid.some((i) => i.where === 'c.json#/clauses/0/level'), 'level enum enforced');
});

t.test('citation collectors', async (t) => {
  const ts = collectTsCitations({
    path: 'x.ts',
    content: [
      `// see ${token('a.b.c')} and ${token('a.b.d')}.`,
      `export const meta = { ${CLAUSES}: ['a.b.e', "a.b.f"], features: ['pool'] };`,
      `const other = { ${CLAUSES}: [{ id: 'x.y.z' }] };`,
      `const clause = 'not.a.citation';`,
    ].join('\n'),
  });
  t.same(ts, [
    { id: 'a.b.c', where: 'x.ts:1' },
    { id: 'a.b.d', where: 'x.ts:1' },
    { id: 'a.b.e', where: 'x.ts:2' },
    { id: 'a.b.f', where: 'x.ts:2' },
  ]);
  const json = collectJsonCitations({ path: 'v.json', content: { vectors: [{ clause: 'a.b.c', [CLAUSES]: ['a.b.d'], x: { clause: 'a.b.e' } }], clause: 3 } });
  t.same(json.map((c) => c.id), ['a.b.c', 'a.b.d', 'a.b.e'], 'non-string "clause" values are ignored');
  t.equal(json[0]?.where, 'v.json#/vectors/0/clause');
});

t.test('the repository itself passes the lint', async (t) => {
  const r = lintClauses(loadLintInput());
  t.ok(r.ok, formatLintReport(r));
  t.ok(r.clauseCount >= 40, `${r.clauseCount} clauses loaded`);
});
