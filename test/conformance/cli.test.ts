import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../conformance/cli.ts';
import { compileSchema } from '../../spec/tooling/json-schema.ts';
import { fakeImpl, withEnv } from './fixtures/fake.ts';

async function cli(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await withEnv(env, () => main(args, { out: (s) => (out += s), err: (s) => (err += s) }));
  return { code, out, err };
}

const FILTER = 'pool.unixsock.at-limit,pool.unixsock.truncate-without-bus,pool.unixsock.bus-no-limit,pool.unixsock.self-send';

t.test('a conforming implementation: exit 0, final summary line, reports written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swc-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await cli(['run', '--impl', fakeImpl, '--filter', FILTER, '--reports', dir, '--seed', '7']);
  t.equal(r.code, 0, r.out + r.err);
  t.match(r.out, /^4 passed, 0 failed$/m);
  t.match(r.out, /^pool\.unixsock\s+\.\.\.\.$/m, 'one progress line per area');
  for (const ext of ['json', 'junit.xml', 'tap', 'html']) t.ok(existsSync(join(dir, `fake.${ext}`)), `fake.${ext}`);
  const json = JSON.parse(readFileSync(join(dir, 'fake.json'), 'utf8'));
  const schema = JSON.parse(readFileSync('spec/schema/conformance-report.schema.json', 'utf8'));
  const validate = compileSchema(schema);
  t.same(validate(json), [], 'the JSON report matches its schema');
  t.ok(validate({ ...json, exitCode: 5 }).length > 0, 'and the schema is not vacuous');
  t.equal(json.format, 'swoole-conformance-report');
  t.equal(json.options.seed, 7);
  t.equal(json.results.length, 4);
});

t.test('a wrong implementation: exit 1 with an expected-vs-observed diff', async (t) => {
  const r = await cli(['run', '--impl', fakeImpl, '--filter', 'pool.unixsock.truncate-without-bus,pool.unixsock.self-send'], { FAKE_BUG: 'off-by-one' });
  t.equal(r.code, 1);
  t.match(r.out, /FAIL pool\.unixsock\.truncate-without-bus \[framing\.unixsock\.truncate\]/);
  t.match(r.out, /expected: .*"len":2048/);
  t.match(r.out, /observed: .*"len":2047/);
  t.match(r.out, /^1 passed, 1 failed$/m);
});

t.test('an expectations file turns the failure into expected-fail (exit 0)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swc-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'exp.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, JSON.stringify({ implementation: 'fake', failures: { 'pool.unixsock.truncate-without-bus': 'known off-by-one' } }));
  const bad = await cli(['run', '--impl', fakeImpl, '--filter', 'pool.unixsock.truncate-without-bus', '--expectations', file], { FAKE_BUG: 'off-by-one' });
  t.equal(bad.code, 0, bad.out);
  t.match(bad.out, /1 expected-fail/);
  const good = await cli(['run', '--impl', fakeImpl, '--filter', 'pool.unixsock.truncate-without-bus', '--expectations', file]);
  t.equal(good.code, 1, 'an unexpected pass fails the run');
  t.match(good.out, /expected to fail .* but passed/);
});

t.test('malformed adapter messages are adapter errors (exit 2), apart from failures', async (t) => {
  const r = await cli(['run', '--impl', fakeImpl, '--filter', 'pool.unixsock.self-send'], { FAKE_MODE: 'malformed' });
  t.equal(r.code, 2);
  t.match(r.out, /ERROR pool\.unixsock\.self-send/);
  t.match(r.out, /malformed adapter message: .*unexpected property "extra"/);
});

t.test('an adapter that dies before hello is an error, not a failure', async (t) => {
  const r = await cli(['run', '--impl', fakeImpl, '--filter', 'pool.unixsock.self-send', '--timeout', '0.2'], { FAKE_MODE: 'crash' });
  t.equal(r.code, 2, r.out);
  t.match(r.out, /exited \(code 3/);
});

t.test('unavailable implementation: a clear line and exit 0', async (t) => {
  const r = await cli(['run', '--impl', fakeImpl], { FAKE_MODE: 'unavailable' });
  t.equal(r.code, 0);
  t.match(r.out, /^unavailable: .*fake runtime not found$/m);
  t.match(r.out, /0 passed, 0 failed/);
  const missing = await cli(['run', '--impl', '/nonexistent/adapter-binary']);
  t.equal(missing.code, 0);
  t.match(missing.out, /unavailable: .*not found/);
});

t.test('the bundled reference that cannot load is a harness error (exit 2), not "unavailable"', async (t) => {
  const r = await cli(['run', '--impl', 'reference', '--filter', 'pool.unixsock.self-send'], { SWC_REFERENCE_MODULE: '/nonexistent/reference.ts' });
  t.equal(r.code, 2, r.out + r.err);
  t.match(r.err, /^harness error: reference cannot run: reference cannot load: /m);
  t.notMatch(r.out, /passed/);
});

t.test('a bad describe line is an adapter error', async (t) => {
  const r = await cli(['run', '--impl', fakeImpl], { FAKE_MODE: 'bad-describe' });
  t.equal(r.code, 2);
  t.match(r.err, /malformed describe line/);
});

t.test('missing features make cases unsupported, never failed', async (t) => {
  const r = await cli(['run', '--impl', fakeImpl, '--filter', 'pool.unixsock.bus-no-limit,pool.unixsock.self-send'], { FAKE_FEATURES: 'pool,pool.ipc.unixsock' });
  t.equal(r.code, 0);
  t.match(r.out, /^1 passed, 0 failed$/m);
  t.match(r.out, /1 unsupported/);
});

t.test('usage errors exit 64', async (t) => {
  t.equal((await cli([])).code, 64);
  t.equal((await cli(['frobnicate'])).code, 64);
  t.equal((await cli(['run'])).code, 64, 'run without --impl');
  t.equal((await cli(['run', '--impl', 'x', '--shard', '3/2'])).code, 64);
  t.equal((await cli(['run', '--impl', 'x', '--bogus'])).code, 64);
  t.equal((await cli(['run', '--impl', 'x', '--jobs', '-1'])).code, 64);
  t.equal((await cli(['report'])).code, 64);
});

t.test('list is a dry run with clauses, features and shard', async (t) => {
  const r = await cli(['list', '--filter', 'pool.unixsock.*', '--shard', '1/1']);
  t.equal(r.code, 0);
  t.match(r.out, /^pool\.unixsock\.at-limit\tshard 1\/1\tclauses: framing\.unixsock\.truncate,framing\.unixsock\.datagram\tfeatures: pool,pool\.ipc\.unixsock$/m);
  t.match(r.out, /truncation-property.*\tproperty$/m);
});

t.test('bin/swoole-conformance.js works from any directory (npx entry)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const bin = new URL('../../bin/swoole-conformance.js', import.meta.url).pathname;
  const ok = spawnSync(process.execPath, [bin, 'list', '--filter', 'pool.unixsock.at-limit'], { cwd: tmpdir(), encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /^1 case\(s\)$/m);
  const usage = spawnSync(process.execPath, [bin, 'run'], { cwd: tmpdir(), encoding: 'utf8' });
  t.equal(usage.status, 64);
});
