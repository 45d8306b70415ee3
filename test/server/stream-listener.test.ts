import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { loadNative } from '../../reference/native/loader.ts';
import type { NativeAddon } from '../../reference/native/api.ts';
import { StreamListener, type Accepted } from '../../reference/server/stream-listener.ts';
import { ErrorCode } from '../../reference/errors.ts';

const native = loadNative();

function listen(t: Test, onConnection: (a: Accepted) => void): { l: StreamListener; port: number } {
  const { fd, port } = native.listenTcp('127.0.0.1', 0);
  const l = new StreamListener(native, fd, onConnection);
  t.teardown(() => {
    l.close();
    native.close(fd);
  });
  return { l, port };
}

t.test('each read is its own copy: a later read on another connection does not change it', async (t) => {
  const got: Buffer[] = [];
  let seen: () => void = () => {};
  const { port } = listen(t, (a) => {
    a.onChunk = (chunk) => {
      got.push(chunk);
      seen();
    };
    a.socket.resume();
  });
  const next = (): Promise<void> => new Promise((r) => (seen = r));
  const x = net.connect(port, '127.0.0.1');
  const y = net.connect(port, '127.0.0.1');
  t.teardown(() => (x.destroy(), y.destroy()));
  await Promise.all([once(x, 'connect'), once(y, 'connect')]);
  let arrived = next();
  x.write('aaaa');
  await arrived;
  arrived = next();
  y.write('bbbbbbbb');
  await arrived;
  // Both reads went through the one shared read buffer: the first still says aaaa.
  t.same(got.map(String), ['aaaa', 'bbbbbbbb']);
});

t.test('close(cb): no new connections; cb once every accepted connection has closed', async (t) => {
  const accepted: Accepted[] = [];
  let arrived: () => void = () => {};
  const { l, port } = listen(t, (a) => {
    accepted.push(a);
    arrived();
  });
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  await new Promise<void>((r) => (arrived = r));
  let closed = false;
  const done = new Promise<void>((r) => l.close(() => ((closed = true), r())));
  t.equal(l.listening, false);
  await new Promise((r) => setImmediate(r));
  t.equal(closed, false, 'a connection is still open');
  accepted[0]!.socket.destroy();
  await done;
  t.equal(closed, true);
  c.destroy();
});

t.test('accept() out of fds: a warning, a pause, then accepting again', async (t) => {
  const calls: string[] = [];
  let restarted: () => void = () => {};
  let deliver: (fds: number[], errno: number) => void = () => {};
  const fake = {
    openAcceptor: (_fd: number, cb: (fds: number[], errno: number) => void) => {
      deliver = cb;
      return {
        start: () => {
          calls.push('start');
          if (calls.length > 1) restarted();
        },
        stop: () => calls.push('stop'),
        close: () => calls.push('close'),
      };
    },
  } as unknown as NativeAddon;
  const codes: string[] = [];
  const w = (e: Error & { code?: string }) => codes.push(String(e.code));
  process.on('warning', w);
  t.teardown(() => process.off('warning', w));
  const l = new StreamListener(fake, 3, () => t.fail('no connection'));
  const again = new Promise<void>((r) => (restarted = r));
  deliver([], 24);
  t.same(calls, ['start', 'stop'], 'stopped at once: readiness would fire again right away');
  await again;
  t.same(calls, ['start', 'stop', 'start']);
  await new Promise((r) => setImmediate(r));
  t.same(codes, [String(ErrorCode.SYSTEM_CALL_FAIL)]);
  l.close();
  t.same(calls.at(-1), 'close');
});
