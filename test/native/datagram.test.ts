import t from 'tap';
import type { Test } from 'tap';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { native, openFds, errnoShape, errnoOf, isTypeError, spawnFixture, exitOf, lines, nextLine } from './_helpers.ts';
import type { DatagramSocket, ReceivedDatagram } from '../../reference/native/api.ts';

function isCloexec(fd: number): boolean {
  const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  const flags = parseInt(/flags:\s*([0-7]+)/.exec(info)![1]!, 8);
  return (flags & 0o2000000) !== 0;
}

function pair(t: Test, opts?: Parameters<typeof native.socketpair>[1]): [DatagramSocket, DatagramSocket] {
  const [a, b] = native.socketpair('dgram', opts);
  const sa = native.openDatagram(a);
  const sb = native.openDatagram(b);
  t.teardown(() => { sa.close(); sb.close(); });
  return [sa, sb];
}

function nextBatch(s: DatagramSocket, maxSize: number, batch?: number): Promise<ReceivedDatagram[]> {
  return new Promise((resolve) => s.startReading(maxSize, (b) => { s.stopReading(); resolve(b); }, batch));
}

t.test('socketpair: two CLOEXEC fds, both types, no leak', async (t) => {
  const before = openFds();
  for (const type of ['dgram', 'stream'] as const) {
    const [a, b] = native.socketpair(type);
    t.ok(Number.isInteger(a) && Number.isInteger(b) && a !== b);
    t.ok(isCloexec(a) && isCloexec(b), 'O_CLOEXEC');
    native.close(a);
    native.close(b);
  }
  t.equal(openFds(), before);
});

t.test('socketpair: argument TypeErrors', async (t) => {
  t.throws(() => native.socketpair('seq' as never), isTypeError);
  t.throws(() => native.socketpair(1 as never), isTypeError);
  t.throws(() => native.socketpair('dgram', 5 as never), isTypeError);
  t.throws(() => native.socketpair('dgram', { sndbuf: -1 }), isTypeError);
  t.throws(() => native.socketpair('dgram', { rcvbuf: 1.5 }), isTypeError);
  t.throws(() => native.socketpair('dgram', { force: 'yes' as never }), isTypeError);
});

t.test('socketpair buffers: applied, and force exceeds the sysctl cap as root', async (t) => {
  const [a, b] = native.socketpair('dgram', { sndbuf: 65536, rcvbuf: 65536 });
  t.teardown(() => { native.close(a); native.close(b); });
  const got = native.getSocketBuffers(a);
  t.ok(got.sndbuf >= 65536 && got.rcvbuf >= 65536, JSON.stringify(got));
  const wmemMax = Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));
  const want = wmemMax * 4;
  const [c, d] = native.socketpair('dgram', { sndbuf: want, force: true });
  t.teardown(() => { native.close(c); native.close(d); });
  const forced = native.getSocketBuffers(c).sndbuf;
  if (process.getuid?.() === 0) t.ok(forced >= want, `forced sndbuf ${forced} >= ${want}`);
  else t.ok(forced <= wmemMax * 2, 'capped without privilege');
  const [e, f] = native.socketpair('dgram', { sndbuf: want });
  t.teardown(() => { native.close(e); native.close(f); });
  t.ok(native.getSocketBuffers(e).sndbuf <= wmemMax * 2, 'without force the cap applies');
});

t.test('getSocketBuffers / openDatagram errors', async (t) => {
  const fd = openSync('/proc/self/status', 'r');
  t.teardown(() => closeSync(fd));
  t.throws(() => native.getSocketBuffers(fd), errnoShape('ENOTSOCK', 'getsockopt'));
  t.throws(() => native.openDatagram(fd), errnoShape('ENOTSOCK', 'getsockopt'));
  t.throws(() => native.getSocketBuffers(-1), isTypeError);
  const [a, b] = native.socketpair('stream');
  t.teardown(() => { native.close(a); native.close(b); });
  t.throws(() => native.openDatagram(a), isTypeError, 'stream socket is not a datagram socket');
});

t.test('send / recvInto, and truncation to maxSize', async (t) => {
  const [a, b] = pair(t);
  t.equal(b.recvInto(100), null, 'nothing queued');
  t.equal(a.send(Buffer.from('hello')), true);
  t.same(b.recvInto(100), { data: Buffer.from('hello'), truncated: false });
  const big = Buffer.alloc(6000, 7);
  t.equal(a.send(big), true);
  const r = b.recvInto(2048)!;
  t.equal(r.data.length, 2048);
  t.equal(r.truncated, true);
  t.same(r.data, big.subarray(0, 2048));
  t.equal(b.recvInto(2048), null, 'the rest of a cut datagram is gone');
  t.throws(() => a.send('x' as never), isTypeError);
  t.throws(() => b.recvInto(0), isTypeError);
});

t.test('startReading delivers whole datagrams, cut and flagged per datagram', async (t) => {
  const [a, b] = pair(t);
  const list = [Buffer.alloc(10, 1), Buffer.alloc(6000, 2), Buffer.alloc(2048, 3), Buffer.alloc(0)];
  t.equal(a.sendBatch(list), 4);
  const got = await nextBatch(b, 2048, 16);
  t.equal(got.length, 4);
  t.same(got.map((d) => [d.data.length, d.truncated]), [[10, false], [2048, true], [2048, false], [0, false]]);
  t.same(got[1]!.data, Buffer.alloc(2048, 2));
});

t.test('sendBatch start offset and batch size limit per readiness', async (t) => {
  const [a, b] = pair(t);
  const list = Array.from({ length: 10 }, (_, i) => Buffer.from(`m${i}`));
  t.equal(a.sendBatch(list, 4), 6);
  const first = await nextBatch(b, 64, 4);
  t.same(first.map((d) => d.data.toString()), ['m4', 'm5', 'm6', 'm7']);
  const rest = await nextBatch(b, 64, 4);
  t.same(rest.map((d) => d.data.toString()), ['m8', 'm9']);
  t.throws(() => a.sendBatch(list, 11), isTypeError);
  t.throws(() => a.sendBatch([Buffer.from('x'), 'y' as never]), isTypeError);
  t.throws(() => a.sendBatch('x' as never), isTypeError);
  t.throws(() => b.startReading(0, () => {}), isTypeError);
  t.throws(() => b.startReading(10, 'cb' as never), isTypeError);
  t.throws(() => b.startReading(10, () => {}, 0), isTypeError);
});

t.test('EAGAIN backpressure: send() false, sendBatch partial, onWritable resumes once', async (t) => {
  const [a, b] = pair(t, { sndbuf: 4096, rcvbuf: 4096 });
  const msg = Buffer.alloc(1024, 9);
  let sent = 0;
  while (a.send(msg)) sent++;
  t.ok(sent > 0, `filled after ${sent}`);
  t.equal(a.sendBatch([msg, msg]), 0, 'full: nothing goes out');
  let fired = 0;
  const writable = new Promise<void>((resolve) => a.onWritable(() => { fired++; resolve(); }));
  let drained = 0;
  while (b.recvInto(2048)) drained++;
  t.equal(drained, sent, 'every datagram that send() accepted arrived');
  await writable;
  t.equal(a.send(msg), true, 'writable again');
  await new Promise((r) => setImmediate(r));
  t.equal(fired, 1, 'one-shot');
  t.throws(() => a.onWritable(5 as never), isTypeError);
});

t.test('errno errors: EMSGSIZE, peer gone, EBADF after close', async (t) => {
  const [a, b] = native.socketpair('dgram', { sndbuf: 4096 });
  const sa = native.openDatagram(a);
  t.throws(() => sa.send(Buffer.alloc(1 << 20)), errnoShape('EMSGSIZE', 'send'));
  const e = errnoOf(() => sa.send(Buffer.alloc(1 << 20)))!;
  t.ok(e instanceof Error && e.errno === 90 && e.message.includes('EMSGSIZE'), 'positive errno, message names the code');
  t.throws(() => sa.sendBatch([Buffer.alloc(1 << 20)]), errnoShape('EMSGSIZE', 'sendmmsg'));
  native.close(b);
  const gone = errnoOf(() => sa.send(Buffer.from('x')));
  t.ok(gone && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(gone.code) && gone.errno > 0 && gone.syscall === 'send', String(gone?.code));
  sa.close();
  sa.close();
  t.equal(sa.fd, -1);
  t.throws(() => sa.send(Buffer.from('x')), errnoShape('EBADF', 'send'));
  t.throws(() => sa.recvInto(10), errnoShape('EBADF', 'recvmsg'));
  t.throws(() => sa.ref('x' as never), isTypeError);
});

t.test('no fd leak across open/read/close cycles', async (t) => {
  const before = openFds();
  for (let i = 0; i < 20; i++) {
    const [a, b] = native.socketpair('dgram');
    const sa = native.openDatagram(a);
    const sb = native.openDatagram(b);
    sa.send(Buffer.from('x'));
    await nextBatch(sb, 16);
    sa.close();
    sb.close();
  }
  await new Promise((r) => setImmediate(r));
  t.equal(openFds(), before);
});

t.test('cross-process: a child adopts fd 3 and echoes a batch back', async (t) => {
  const [a, b] = native.socketpair('dgram');
  const child = spawnFixture('dgram-echo', [], [b]);
  native.close(b);
  const sa = native.openDatagram(a);
  t.teardown(() => sa.close());
  const list = Array.from({ length: 200 }, (_, i) => Buffer.from(`msg-${i}`));
  const got: string[] = [];
  const done = new Promise<void>((resolve) =>
    sa.startReading(1024, (batch) => {
      for (const d of batch) got.push(d.data.toString());
      if (got.length === list.length) resolve();
    }),
  );
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      sent += sa.sendBatch(list, sent);
      if (sent < list.length) sa.onWritable(pump);
      else resolve();
    };
    pump();
  });
  await done;
  t.same(got, list.map((b) => b.toString()));
  sa.send(Buffer.from('bye'));
  t.same(await exitOf(child), { code: 0, signal: null });
});

t.test('ref(false): an active reader does not hold the loop open', async (t) => {
  const [a, b] = native.socketpair('dgram');
  const child = spawnFixture('dgram-unref', [], [b]);
  native.close(b);
  t.teardown(() => native.close(a));
  const it = lines(child);
  t.equal(await nextLine(it), 'exiting');
  t.same(await exitOf(child), { code: 0, signal: null });
});

t.test('environment teardown: a worker exits with its socket open; the cleanup hook closes it', async (t) => {
  const { Worker } = await import('node:worker_threads');
  const { fileURLToPath } = await import('node:url');
  const [a, b] = native.socketpair('dgram');
  const sa = native.openDatagram(a);
  t.teardown(() => sa.close());
  const before = openFds();
  const w = new Worker(fileURLToPath(new URL('./fixtures/dgram-worker.mjs', import.meta.url)), { workerData: { fd: b } });
  const [code] = (await Promise.all([new Promise((r) => w.once('exit', r)), new Promise((r) => w.once('message', r))])) as [number, unknown];
  t.equal(code, 0);
  t.same(sa.recvInto(64)?.data, Buffer.from('from worker'));
  t.equal(openFds(), before - 1, 'the worker-owned fd was closed at teardown');
});
