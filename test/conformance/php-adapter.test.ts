import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { main } from '../../conformance/cli.ts';
import { withEnv } from './fixtures/fake.ts';

/**
 * The swoole-php adapter cannot meet real Swoole here; it is checked for syntax, for the
 * "unavailable" path, and end to end against a pcntl stand-in for the extension
 * (fixtures/swoole-stub.php), which exercises its protocol code: hello per forked process,
 * events, actions, done, Init/Return.
 */
const adapter = fileURLToPath(new URL('../../conformance/adapters/swoole-php/adapter.php', import.meta.url));
const stub = fileURLToPath(new URL('./fixtures/swoole-stub.php', import.meta.url));
const php = spawnSync('php', ['-m'], { encoding: 'utf8' });
const hasPhp = php.status === 0;
const hasPcntl = hasPhp && /^pcntl$/m.test(php.stdout) && /^sockets$/m.test(php.stdout);

async function cli(args: string[], env: Record<string, string> = {}) {
  let out = '';
  const code = await withEnv(env, () => main(args, { out: (s) => (out += s), err: (s) => (out += s) }));
  return { code, out };
}

t.test('adapter.php is valid PHP', { skip: hasPhp ? false : 'php not installed' }, async (t) => {
  const r = spawnSync('php', ['-l', adapter], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout + r.stderr);
});

t.test('without the extension the run is "unavailable" and exits 0', { skip: hasPhp && !/^swoole$/m.test(php.stdout) ? false : 'needs php without swoole' }, async (t) => {
  const r = await cli(['run', '--impl', 'swoole-php']);
  t.equal(r.code, 0);
  t.match(r.out, /^unavailable: swoole-php: php\/swoole not found/m);
});

t.test('speaks the protocol end to end (stand-in extension)', { skip: hasPcntl ? false : 'php with pcntl+sockets not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swc-php-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const none = join(dir, 'none.json');
  writeFileSync(none, JSON.stringify({ implementation: 'stub', failures: {} }));
  const r = await cli(['run', '--impl', 'swoole-php', '--filter', 'pool.unixsock.*', '--expectations', none, '--runs', '5'], { SWC_SWOOLE_STUB: stub });
  t.equal(r.code, 0, r.out);
  t.match(r.out, /^6 passed, 0 failed$/m);
});

t.test('reports a throwing constructor and each on() result (stand-in extension)', { skip: hasPcntl ? false : 'php with pcntl+sockets not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swc-php-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const none = join(dir, 'none.json');
  writeFileSync(none, JSON.stringify({ implementation: 'stub', failures: {} }));
  const r = await cli(['run', '--impl', 'swoole-php', '--filter', 'pool.api.worker-num-*,pool.api.unknown-event,pool.api.message-with-ipc-none', '--expectations', none], { SWC_SWOOLE_STUB: stub });
  t.equal(r.code, 0, r.out);
  t.match(r.out, /^4 passed, 0 failed$/m);
});
