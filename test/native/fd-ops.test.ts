/** native pollFd / dup / shutdown. */
import t from 'tap';
import { native, errnoShape, isTypeError, openFds } from './_helpers.ts';
import { readSync, writeSync } from 'node:fs';

t.test('pollFd: timeout, ready, hup', async (t) => {
  const before = openFds();
  const [a, b] = native.socketpair('stream');
  t.equal(native.pollFd(a, 'in', 0), 'timeout');
  t.equal(native.pollFd(a, 'out', 0), 'ready');
  writeSync(b, 'x');
  t.equal(native.pollFd(a, 'in', -1), 'ready');
  native.close(b);
  // Unread data still counts as readable; after it is read, the closed peer shows as ready (EOF) on a stream.
  t.equal(native.pollFd(a, 'in', 0), 'ready');
  native.close(a);
  t.throws(() => native.pollFd(a, 'in', 0), errnoShape('EBADF', 'poll'));
  t.equal(openFds(), before, 'no fd leaked');
});

t.test('dup shares the socket; shutdown(write) gives the peer EOF', async (t) => {
  const before = openFds();
  const [a, b] = native.socketpair('stream');
  const d = native.dup(a);
  t.not(d, a);
  writeSync(d, 'via-dup');
  const buf = Buffer.alloc(16);
  t.equal(buf.toString('utf8', 0, readSync(b, buf)), 'via-dup');
  native.shutdown(a, 'write');
  t.equal(readSync(b, buf), 0, 'EOF after shutdown(write), though the dup is still open');
  t.throws(() => native.shutdown(a, 'sideways' as never), isTypeError);
  for (const fd of [a, b, d]) native.close(fd);
  t.throws(() => native.dup(a), errnoShape('EBADF', 'dup'));
  t.equal(openFds(), before, 'no fd leaked');
});

t.test('pollFd argument checks', async (t) => {
  t.throws(() => native.pollFd(-1, 'in', 0), isTypeError);
  t.throws(() => native.pollFd(0, 'up' as never, 0), isTypeError);
  t.throws(() => native.pollFd(0, 'in', -2), isTypeError);
});

t.test('trySend / tryRecv: counts, -EAGAIN as a value, datagrams cut to length', async (t) => {
  const before = openFds();
  const [a, b] = native.socketpair('dgram');
  const buf = Buffer.alloc(16);
  t.equal(native.tryRecv(b, buf, 16), -11, 'empty: -EAGAIN, no throw');
  t.equal(native.trySend(a, Buffer.from('hello world'), 6, 5), 5, 'offset/length');
  t.equal(native.tryRecv(b, buf, 16), 5);
  t.equal(buf.toString('utf8', 0, 5), 'world');
  t.equal(native.trySend(a, Buffer.from('abcdef'), 0, 6), 6);
  t.equal(native.tryRecv(b, buf, 3), 3, 'a longer datagram is cut');
  t.equal(native.tryRecv(b, buf, 16), -11, 'and its rest is gone');
  const t0 = Date.now();
  t.equal(native.tryRecv(b, buf, 16, 30), -11, 'with waitMs: still -EAGAIN after the wait');
  t.ok(Date.now() - t0 >= 25, 'it waited');
  t.equal(native.trySend(a, Buffer.from('later'), 0, 5, 30), 5);
  t.equal(native.tryRecv(b, buf, 16, -1), 5, 'data already there: no wait');
  native.close(b);
  t.equal(native.trySend(a, Buffer.from('x'), 0, 1), -111, 'peer closed: -ECONNREFUSED');
  native.close(a);
  t.equal(native.trySend(a, Buffer.from('x'), 0, 1), -9, 'closed fd: -EBADF');
  t.throws(() => native.trySend(0, Buffer.from('x'), 0, 2), isTypeError, 'length beyond the buffer');
  t.throws(() => native.tryRecv(0, 'x' as never, 1), isTypeError);
  t.equal(openFds(), before, 'no fd leaked');
});
