import t from 'tap';
import type { Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { native, openFds, errnoShape, isTypeError } from './_helpers.ts';

function fdFlags(fd: number): number {
  return parseInt(/flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
}

async function adoptAndGreet(t: Test, fd: number, host: string, port: number): Promise<void> {
  const server = net.createServer((sock) => sock.end('hello'));
  server.listen({ fd });
  await once(server, 'listening');
  const client = net.connect(port, host);
  const chunks: Buffer[] = [];
  client.on('data', (d: Buffer) => chunks.push(d));
  await once(client, 'end');
  t.equal(Buffer.concat(chunks).toString(), 'hello', `${host}:${port}`);
  await once(client, 'close');
  await new Promise((r) => server.close(r));
}

t.test('listenTcp: IPv4 and IPv6 literals, port 0 assigned, CLOEXEC|NONBLOCK, adopted by net', async (t) => {
  const before = openFds();
  const v4 = native.listenTcp('127.0.0.1', 0);
  t.ok(v4.port > 0);
  t.equal(fdFlags(v4.fd) & 0o2004000, 0o2004000, 'O_CLOEXEC|O_NONBLOCK');
  await adoptAndGreet(t, v4.fd, '127.0.0.1', v4.port);
  const v6 = native.listenTcp('::1', 0, { ipv6Only: true, backlog: 16 });
  await adoptAndGreet(t, v6.fd, '::1', v6.port);
  t.equal(openFds(), before, 'net.Server.close closed the adopted fds');
});

t.test('listenTcp: fixed port; EADDRINUSE without reusePort, shared with it', async (t) => {
  const a = native.listenTcp('127.0.0.1', 0);
  t.teardown(() => native.close(a.fd));
  t.throws(() => native.listenTcp('127.0.0.1', a.port), errnoShape('EADDRINUSE', 'bind'));
  const r1 = native.listenTcp('127.0.0.1', 0, { reusePort: true });
  const r2 = native.listenTcp('127.0.0.1', r1.port, { reusePort: true });
  t.equal(r2.port, r1.port);
  native.close(r1.fd);
  native.close(r2.fd);
});

t.test('listenTcp: dual-stack by default on ::', async (t) => {
  const s = native.listenTcp('::', 0);
  const server = net.createServer((sock) => sock.end('v4 via v6'));
  server.listen({ fd: s.fd });
  await once(server, 'listening');
  const client = net.connect(s.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (d: Buffer) => chunks.push(d));
  await once(client, 'end');
  t.equal(Buffer.concat(chunks).toString(), 'v4 via v6');
  await once(client, 'close');
  await new Promise((r) => server.close(r));
});

t.test('listenTcp / bindUdp argument TypeErrors and errno errors', async (t) => {
  t.throws(() => native.listenTcp('localhost', 0), isTypeError, 'names are not resolved');
  t.throws(() => native.listenTcp(1 as never, 0), isTypeError);
  t.throws(() => native.listenTcp('127.0.0.1', 70000), isTypeError);
  t.throws(() => native.listenTcp('127.0.0.1', 0, { backlog: -1 }), isTypeError);
  t.throws(() => native.listenTcp('127.0.0.1', 0, { reusePort: 1 as never }), isTypeError);
  t.throws(() => native.bindUdp('nope', 0), isTypeError);
  t.throws(() => native.bindUdp('127.0.0.1', -1), isTypeError);
  t.throws(() => native.listenTcp('192.0.2.1', 0), errnoShape('EADDRNOTAVAIL', 'bind'));
});

t.test('bindUdp: a bound datagram fd, readable through openDatagram', async (t) => {
  const before = openFds();
  const u = native.bindUdp('127.0.0.1', 0);
  t.ok(u.port > 0);
  t.equal(fdFlags(u.fd) & 0o2004000, 0o2004000, 'O_CLOEXEC|O_NONBLOCK');
  // (No EADDRINUSE check here: on Linux two UDP sockets that both set SO_REUSEADDR may share a port.)
  const sock = native.openDatagram(u.fd);
  const got = new Promise<Buffer>((resolve) => sock.startReading(1500, (b) => resolve(b[0]!.data)));
  const dgram = await import('node:dgram');
  const client = dgram.createSocket('udp4');
  client.send('over udp', u.port, '127.0.0.1');
  t.equal((await got).toString(), 'over udp');
  await new Promise<void>((r) => client.close(r));
  sock.close();
  const r1 = native.bindUdp('::1', 0, { reusePort: true });
  const r2 = native.bindUdp('::1', r1.port, { reusePort: true });
  native.close(r1.fd);
  native.close(r2.fd);
  await new Promise((r) => setImmediate(r));
  t.equal(openFds(), before);
});

t.test('listenUnix: a listening unix socket net.Server adopts; bad paths are TypeErrors', async (t) => {
  const { mkdtempSync, rmSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const net = await import('node:net');
  const { loadNative } = await import('../../reference/native/loader.ts');
  const native = loadNative();
  const dir = mkdtempSync(join(tmpdir(), 'swc-unix-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 's.sock');
  const fd = native.listenUnix(path);
  t.ok(statSync(path).isSocket());
  const server = net.createServer((s) => s.end('hi'));
  await new Promise<void>((resolve) => server.listen({ fd }, resolve));
  const got = await new Promise<string>((resolve, reject) => {
    const c = net.connect(path);
    let text = '';
    c.on('data', (d) => (text += d)).on('end', () => resolve(text)).on('error', reject);
  });
  t.equal(got, 'hi');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  t.throws(() => native.listenUnix(''), TypeError);
  t.throws(() => native.listenUnix('x'.repeat(200)), TypeError);
  t.throws(() => native.listenUnix(join(dir, 'no-such-dir', 's.sock')), { code: 'ENOENT', syscall: 'bind' });
});
