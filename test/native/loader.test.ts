import t from 'tap';
import { ErrorCode, SwooleError } from '../../reference/errors.ts';
import { addonPath, loadNative } from '../../reference/native/loader.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

t.test('loads the built addon with every contract export', async (t) => {
  const n = loadNative();
  for (const name of ['socketpair', 'openDatagram', 'getSocketBuffers', 'sendFds', 'recvFds', 'msgget', 'msgsnd', 'msgrcv',
    'msgStat', 'msgRemove', 'msgReceiver', 'msgLimits', 'setParentDeathSignal', 'getppid', 'listenTcp', 'bindUdp', 'waitpid', 'close']) {
    t.equal(typeof (n as unknown as Record<string, unknown>)[name], 'function', name);
  }
  t.equal(loadNative(), n, 'cached');
  t.ok(addonPath.endsWith('build/Release/swoole_native.node'));
});

t.test('missing file: NATIVE_UNAVAILABLE, one line, says how to rebuild', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'native-loader-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const err = (() => { try { loadNative(join(dir, 'nope.node')); } catch (e) { return e; } })();
  t.ok(err instanceof SwooleError);
  t.equal((err as SwooleError).code, ErrorCode.NATIVE_UNAVAILABLE);
  t.notMatch((err as SwooleError).message, /\n/);
  t.match((err as SwooleError).message, /npm rebuild/);
});

t.test('garbage file (dlopen failure): NATIVE_UNAVAILABLE, one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'native-loader-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.node');
  writeFileSync(bad, 'not an ELF file\nsecond line');
  const err = (() => { try { loadNative(bad); } catch (e) { return e; } })();
  t.ok(err instanceof SwooleError);
  t.equal((err as SwooleError).code, ErrorCode.NATIVE_UNAVAILABLE);
  t.notMatch((err as SwooleError).message, /\n/);
  t.match((err as SwooleError).message, /node-gyp rebuild/);
});
