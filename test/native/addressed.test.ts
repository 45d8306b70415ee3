import t from 'tap';
import type { Test } from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as os } from 'node:os';
import { native, openFds, errnoShape, isTypeError } from './_helpers.ts';
import type { DatagramSocket, ReceivedDatagram } from '../../reference/native/api.ts';

// addressed.cc (bindUnixDgram, unixDgramSocket, sendTo, sendToPath, sockName) and
// DatagramSocket.startReading(..., peers = true) in datagram.cc.

function privateDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'swc-addr-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function nextBatch(s: DatagramSocket, batch = 64): Promise<ReceivedDatagram[]> {
  return new Promise((resolve) => s.startReading(70000, (b) => { s.stopReading(); resolve(b); }, batch, true));
}

t.test('bindUnixDgram: file mode 0600 by default or as asked, CLOEXEC fd; the caller unlinks', async (t) => {
  const dir = privateDir(t);
  const before = openFds();
  const a = native.bindUnixDgram(join(dir, 'a.sock'));
  t.equal(statSync(join(dir, 'a.sock')).mode & 0o777, 0o600);
  t.ok(statSync(join(dir, 'a.sock')).isSocket());
  const b = native.bindUnixDgram(join(dir, 'b.sock'), { mode: 0o660 });
  t.equal(statSync(join(dir, 'b.sock')).mode & 0o777, 0o660);
  t.same(native.sockName(a), { address: join(dir, 'a.sock'), port: -1 });
  t.throws(() => native.bindUnixDgram(join(dir, 'a.sock')), errnoShape('EADDRINUSE', 'bind'), 'a taken path');
  t.throws(() => native.bindUnixDgram(join(dir, 'nodir', 'x.sock')), errnoShape('ENOENT', 'bind'));
  t.throws(() => native.bindUnixDgram(''), isTypeError);
  t.throws(() => native.bindUnixDgram('x'.repeat(108)), isTypeError);
  t.throws(() => native.bindUnixDgram(join(dir, 'c.sock'), { mode: 0o1777 }), isTypeError);
  native.close(a);
  native.close(b);
  t.ok(existsSync(join(dir, 'a.sock')), 'closing leaves the file (the caller removes it)');
  t.equal(openFds(), before, 'no fd leaked, also by the failed binds');
});

t.test('unix dgram: peers reading gives the sender path; an unbound sender gives an empty address', async (t) => {
  const dir = privateDir(t);
  const srvPath = join(dir, 's.sock');
  const srv = native.openDatagram(native.bindUnixDgram(srvPath));
  t.teardown(() => srv.close());
  const cliPath = join(dir, 'c.sock');
  const cliFd = native.bindUnixDgram(cliPath);
  const cli = native.openDatagram(cliFd);
  t.teardown(() => cli.close());
  const anon = native.unixDgramSocket();
  t.teardown(() => native.close(anon));
  t.same(native.sockName(anon), { address: '', port: -1 }, 'unbound');

  const big = Buffer.alloc(65507, 0x5a);
  t.equal(native.sendToPath(cliFd, Buffer.from('hello'), srvPath), 5);
  t.equal(native.sendToPath(anon, Buffer.from('anon'), srvPath), 4);
  t.equal(native.sendToPath(cliFd, big, srvPath), big.length);
  const got: ReceivedDatagram[] = [];
  while (got.length < 3) got.push(...(await nextBatch(srv)));
  t.same(got.map((d) => [String(d.data.subarray(0, 5)), d.data.length, d.address, d.port]), [
    ['hello', 5, cliPath, -1],
    ['anon', 4, '', -1],
    ['ZZZZZ', 65507, cliPath, -1],
  ]);
  // Reply to the sender's path from the server's socket: the client sees the server's path.
  t.equal(native.sendToPath(srv.fd, Buffer.from('back'), cliPath), 4);
  const [r] = await nextBatch(cli);
  t.same([String(r!.data), r!.address], ['back', srvPath]);
});

t.test('sendToPath failures are -errno, never throws: vanished path, nobody bound, too long', async (t) => {
  const dir = privateDir(t);
  const fd = native.unixDgramSocket();
  t.teardown(() => native.close(fd));
  t.equal(native.sendToPath(fd, Buffer.from('x'), join(dir, 'none.sock')), -os.errno.ENOENT, 'no such file');
  const stale = join(dir, 'stale.sock');
  native.close(native.bindUnixDgram(stale)); // the file stays, nobody reads it
  t.equal(native.sendToPath(fd, Buffer.from('x'), stale), -os.errno.ECONNREFUSED, 'a file without a socket behind it');
  const live = native.bindUnixDgram(join(dir, 'live.sock'));
  t.teardown(() => native.close(live));
  const r = native.sendToPath(fd, Buffer.alloc(16 * 1024 * 1024), join(dir, 'live.sock'));
  t.equal(r, -os.errno.EMSGSIZE, 'larger than the socket buffer');
  const wide = native.unixDgramSocket({ sndbuf: 1 << 20 });
  t.teardown(() => native.close(wide));
  t.equal(native.sendToPath(wide, Buffer.alloc(300_000), join(dir, 'live.sock')), 300_000, 'a raised SO_SNDBUF sends a bigger datagram');
  t.throws(() => native.unixDgramSocket({ sndbuf: 0 }), isTypeError);
  t.throws(() => native.sendToPath(fd, Buffer.from('x'), ''), isTypeError);
  t.throws(() => native.sendToPath(-1, Buffer.from('x'), stale), isTypeError);
  t.throws(() => native.sendToPath(fd, 'x' as never, stale), isTypeError);
});

t.test('UDP: bindUdp + peers reading gives the sender IP and port; sendTo replies from the bound port', async (t) => {
  const u = native.bindUdp('127.0.0.1', 0);
  const srv = native.openDatagram(u.fd);
  t.teardown(() => srv.close());
  const c = dgram.createSocket('udp4');
  await new Promise<void>((r) => c.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => c.close());
  c.send('ping', u.port, '127.0.0.1');
  const [d] = await nextBatch(srv);
  t.same([String(d!.data), d!.address, d!.port], ['ping', '127.0.0.1', c.address().port]);
  const reply = once(c, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
  t.equal(native.sendTo(u.fd, Buffer.from('pong'), d!.address!, d!.port!), 4);
  const [msg, rinfo] = await reply;
  t.same([String(msg), rinfo.port], ['pong', u.port]);
  t.same(native.sockName(u.fd), { address: '127.0.0.1', port: u.port });
  t.equal(native.sendTo(u.fd, Buffer.alloc(65508), '127.0.0.1', c.address().port), -os.errno.EMSGSIZE, '65,508 bytes do not fit a UDP datagram');
  t.equal(native.sendTo(u.fd, Buffer.from('x'), '::1', 9), -os.errno.EAFNOSUPPORT, 'IPv6 address on an IPv4 socket');
  t.throws(() => native.sendTo(u.fd, Buffer.from('x'), 'not-an-ip', 9), isTypeError);
  t.throws(() => native.sendTo(u.fd, Buffer.from('x'), '127.0.0.1', 70000), isTypeError);
});

t.test('UDP6: peers reading of an IPv6 sender (needs the ::1 loopback)', async (t) => {
  const u = native.bindUdp('::1', 0);
  const srv = native.openDatagram(u.fd);
  t.teardown(() => srv.close());
  const c = native.bindUdp('::1', 0);
  t.teardown(() => native.close(c.fd));
  t.equal(native.sendTo(c.fd, Buffer.from('six'), '::1', u.port), 3);
  const [d] = await nextBatch(srv);
  t.same([String(d!.data), d!.address, d!.port], ['six', '::1', c.port]);
});

t.test('startReading peers: a batch of many senders keeps each address with its datagram', async (t) => {
  const u = native.bindUdp('127.0.0.1', 0);
  const srv = native.openDatagram(u.fd);
  t.teardown(() => srv.close());
  const senders = Array.from({ length: 8 }, () => native.bindUdp('127.0.0.1', 0));
  t.teardown(() => senders.forEach((s) => native.close(s.fd)));
  senders.forEach((s, i) => t.equal(native.sendTo(s.fd, Buffer.from(String(i)), '127.0.0.1', u.port), 1));
  const got: ReceivedDatagram[] = [];
  while (got.length < 8) got.push(...(await nextBatch(srv, 16)));
  t.same(got.map((d) => d.port), got.map((d) => senders[Number(String(d.data))]!.port));
  t.throws(() => srv.startReading(100, () => {}, 1, 'yes' as never), isTypeError);
});
