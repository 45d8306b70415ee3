import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { native, openFds, errnoShape, isTypeError } from './_helpers.ts';

function isCloexec(fd: number): boolean {
  const flags = parseInt(/flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
  return (flags & 0o2000000) !== 0;
}

function channel(t: Test): [number, number] {
  const [a, b] = native.socketpair('stream');
  t.teardown(() => { native.close(a); native.close(b); });
  return [a, b];
}

t.test('passes a datagram endpoint: the received fd is CLOEXEC and works', async (t) => {
  const before = openFds();
  const [c0, c1] = native.socketpair('dgram');
  const [d0, d1] = native.socketpair('dgram');
  t.equal(native.sendFds(c0, Buffer.from('fd!'), [d1]), 3);
  native.close(d1);
  const got = native.recvFds(c1)!;
  t.same(got.data, Buffer.from('fd!'));
  t.equal(got.fds.length, 1);
  t.equal(got.truncated, false);
  t.equal(got.fdsTruncated, false);
  t.ok(isCloexec(got.fds[0]!), 'MSG_CMSG_CLOEXEC');
  const s0 = native.openDatagram(d0);
  const s1 = native.openDatagram(got.fds[0]!);
  s0.send(Buffer.from('through the passed fd'));
  t.same(s1.recvInto(100)!.data, Buffer.from('through the passed fd'));
  s0.close();
  s1.close();
  native.close(c0);
  native.close(c1);
  t.equal(openFds(), before, 'no fd leak');
});

t.test('passes a listening socket: net.Server adopts it and accepts', async (t) => {
  const [c0, c1] = channel(t);
  const { fd, port } = native.listenTcp('127.0.0.1', 0);
  native.sendFds(c0, Buffer.from('L'), [fd]);
  native.close(fd);
  const { fds } = native.recvFds(c1)!;
  const server = net.createServer((sock) => sock.end('hi'));
  server.listen({ fd: fds[0]! });
  await once(server, 'listening');
  t.teardown(() => server.close());
  const client = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (d: Buffer) => chunks.push(d));
  await once(client, 'end');
  t.equal(Buffer.concat(chunks).toString(), 'hi');
});

t.test('several fds at once; maxFds cut is flagged and the rest closed by the kernel', async (t) => {
  const [c0, c1] = channel(t);
  const before = openFds();
  const [x, y] = native.socketpair('dgram');
  native.sendFds(c0, Buffer.from('two'), [x, y]);
  native.sendFds(c0, Buffer.from('cut'), [x, y]);
  const all = native.recvFds(c1, 16, 4)!;
  t.equal(all.fds.length, 2);
  t.equal(all.fdsTruncated, false);
  const cut = native.recvFds(c1, 16, 1)!;
  t.equal(cut.fds.length, 1);
  t.equal(cut.fdsTruncated, true);
  for (const fd of [x, y, ...all.fds, ...cut.fds]) native.close(fd);
  t.equal(openFds(), before, 'the dropped fd was not installed');
});

t.test('recvFds: null on EAGAIN; data truncation flag; plain data without fds', async (t) => {
  const [c0, c1] = native.socketpair('dgram');
  t.teardown(() => { native.close(c0); native.close(c1); });
  t.equal(native.recvFds(c1), null);
  const [x, y] = native.socketpair('dgram');
  t.teardown(() => { native.close(x); native.close(y); });
  native.sendFds(c0, Buffer.from('abcdef'), [x]);
  const r = native.recvFds(c1, 3)!;
  t.same(r.data, Buffer.from('abc'));
  t.equal(r.truncated, true);
  native.close(r.fds[0]!);
});

t.test('argument TypeErrors and errno errors', async (t) => {
  const [c0, c1] = channel(t);
  t.throws(() => native.sendFds(c0, Buffer.alloc(0), [c1]), isTypeError, 'empty data');
  t.throws(() => native.sendFds(c0, 'x' as never, [c1]), isTypeError);
  t.throws(() => native.sendFds(c0, Buffer.from('x'), []), isTypeError);
  t.throws(() => native.sendFds(c0, Buffer.from('x'), [-1]), isTypeError);
  t.throws(() => native.sendFds(c0, Buffer.from('x'), 3 as never), isTypeError);
  t.throws(() => native.recvFds(c1, 0), isTypeError);
  t.throws(() => native.recvFds(c1, 10, 254), isTypeError);
  t.throws(() => native.sendFds(c0, Buffer.from('x'), [999999]), errnoShape('EBADF', 'sendmsg'));
  const { fd } = native.listenTcp('127.0.0.1', 0);
  t.teardown(() => native.close(fd));
  t.throws(() => native.sendFds(fd, Buffer.from('x'), [c1]), { name: 'Error', syscall: 'sendmsg' }, 'not a unix socket');
  t.throws(() => native.recvFds(999999), errnoShape('EBADF', 'recvmsg'));
});
