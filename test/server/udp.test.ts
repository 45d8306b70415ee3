import t from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { ErrorCode } from '../../reference/errors.ts';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { constants as osc, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SWOOLE_BASE, SWOOLE_SOCK_UDP, SWOOLE_SOCK_UDP6, SWOOLE_SOCK_UNIX_DGRAM } from '../../reference/constants.ts';
import { Server } from '../../reference/server/server.ts';
import { loadNative } from '../../reference/native/loader.ts';
import { UnixDgramClient } from './dgram-client.ts';

const native = loadNative();

t.test('clause:server.udp.packet — one datagram, one onPacket; empty ignored; framing ignored; sendto replies from the server port', async (t) => {
  const s = new Server('127.0.0.1', 0, SWOOLE_BASE, SWOOLE_SOCK_UDP);
  t.ok(s.port > 0, 'port known before start');
  t.equal(s.set({ open_length_check: true, package_max_length: 1024 }), true);
  const packets: Array<{ data: Buffer; info: Record<string, unknown> }> = [];
  const waiters: Array<() => void> = [];
  s.on('packet', (srv: Server, data: Buffer, info: Record<string, unknown>) => {
    packets.push({ data: Buffer.from(data), info });
    srv.sendto(info.address as string, info.port as number, `got ${data.length}`, info.server_socket as number);
    waiters.shift()?.();
  });
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  const c = dgram.createSocket('udp4');
  await new Promise<void>((r) => c.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => c.close());
  const reply = () => once(c, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;

  const frames = Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('abcde'), Buffer.from([0, 0, 0, 2]), Buffer.from('fg')]);
  let r = reply();
  c.send(Buffer.alloc(0), s.port, '127.0.0.1'); // ignored: no onPacket, no reply
  c.send(frames, s.port, '127.0.0.1');
  let [msg, rinfo] = await r;
  t.equal(String(msg), 'got 15', 'two length frames in one datagram arrive as one 15-byte packet');
  t.equal(rinfo.port, s.port, 'reply comes from the server port');
  const big = Buffer.alloc(60000, 0x61);
  r = reply();
  c.send(big, s.port, '127.0.0.1');
  [msg] = await r;
  t.equal(String(msg), 'got 60000', 'larger than package_max_length: accepted');
  t.equal(packets.length, 2, 'the empty datagram made no onPacket');
  t.same(Object.keys(packets[0]!.info), ['server_socket', 'dispatch_time', 'server_port', 'address', 'port']);
  t.equal(packets[0]!.info.server_port, s.port);
  t.equal(packets[0]!.info.port, c.address().port);
  const st = s.stats() as Record<string, number>;
  t.same([st.connection_num, st.accept_count, st.dispatch_count, st.request_count, st.total_recv_bytes], [0, 0, 0, 2, 0], 'clause:server.stats.counters');
  t.equal(s.sendto('not-an-ip', 9, 'x'), false);
  t.equal(s.getLastError(), ErrorCode.INVALID_PARAMS);
  t.equal(s.sendto('127.0.0.1', 0, 'x'), false);
  t.equal(s.sendto('::1', 9, 'x'), false, 'no UDP6 listener');
  t.equal(s.getLastError(), ErrorCode.WRONG_OPERATION);
  t.equal(s.send(1, 'x'), false, 'no sessions on a UDP server');
  t.equal(s.getLastError(), ErrorCode.SESSION_NOT_EXIST);
  s.shutdown();
  t.equal(await run, true);
});

t.test('clause:server.udp.require-packet — a UDP port without onPacket fails start', async (t) => {
  const s = new Server('127.0.0.1', 0, SWOOLE_BASE, SWOOLE_SOCK_UDP);
  s.on('receive', () => {});
  await t.rejects(s.start(), { code: ErrorCode.SERVER_INVALID_CALLBACK });
});

t.test('clause:server.dgram.unix-port — single-process unix dgram: one datagram one onPacket, sender path as address (empty when unbound), send(path) replies from the server path, file 0600 and removed at shutdown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swc-udgram-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 's.sock');
  const s = new Server(path, 0, SWOOLE_BASE, SWOOLE_SOCK_UNIX_DGRAM);
  t.equal(s.set({ open_eof_split: true, package_eof: '\r\n' }), true);
  const packets: Array<{ data: string; info: Record<string, unknown> }> = [];
  s.on('packet', (srv: Server, data: Buffer, info: Record<string, unknown>) => {
    packets.push({ data: data.toString(), info });
    if (info.address) srv.send(info.address as string, `got ${data.length}`, info.server_socket as number);
  });
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  t.equal(statSync(path).mode & 0o777, 0o600, 'socket file mode 0600');
  const c = new UnixDgramClient(t, join(dir, 'c.sock'), path);
  const r = await c.request('a\r\nb\r\n');
  t.same([String(r.data), r.address], ['got 6', path], 'EOF framing is ignored; the reply comes from the server path');
  const anon = native.unixDgramSocket();
  t.teardown(() => native.close(anon));
  t.equal(native.sendToPath(anon, Buffer.from('anon'), path), 4);
  t.equal(native.sendToPath(anon, Buffer.alloc(0), path), 0, 'an empty datagram (ignored)');
  t.equal(String((await c.request('after')).data), 'got 5');
  t.same(packets.map((p) => [p.data, p.info.address]), [['a\r\nb\r\n', c.path], ['anon', ''], ['after', c.path]], 'an unbound sender has an empty address; the empty datagram made no onPacket');
  t.same(Object.keys(packets[0]!.info), ['server_socket', 'dispatch_time', 'server_port', 'address']);
  t.equal(packets[0]!.info.server_port, 0);
  t.equal(s.send(join(dir, 'gone.sock'), 'x', packets[0]!.info.server_socket as number), false, 'clause:server.dgram.send-errors — a peer path that does not exist');
  t.equal(s.getLastError(), osc.errno.ENOENT);
  t.equal(s.sendto('127.0.0.1', 9, 'x'), false, 'no UDP port on this server');
  t.equal(s.getLastError(), ErrorCode.WRONG_OPERATION);
  t.equal(String((await c.request('still')).data), 'got 5', 'still serving');
  // A sender with a raised socket buffer can send more than a port reads (256 KiB): dropped, warned (1201).
  const wide = native.unixDgramSocket({ sndbuf: 1 << 20 });
  t.teardown(() => native.close(wide));
  const warned = new Promise<Error & { code?: string }>((r) => process.once('warning', r));
  t.equal(native.sendToPath(wide, Buffer.alloc(300_000, 0x7a), path), 300_000);
  const w = await warned;
  t.equal(w.code, String(ErrorCode.PACKAGE_LENGTH_TOO_LARGE), 'a datagram longer than the receive buffer: warning 1201');
  t.equal(String((await c.request('next')).data), 'got 4', 'not delivered (the next reply is the next datagram\'s); still serving');
  t.equal(packets.length, 5, 'no onPacket for the cut datagram');
  s.shutdown();
  t.equal(await run, true);
  t.notOk(existsSync(path), 'the socket file is removed at shutdown');
});

t.test('clause:server.udp.packet — single-process UDP6: IPv6 sender address and sendto from the server port', async (t) => {
  const s = new Server('::1', 0, SWOOLE_BASE, SWOOLE_SOCK_UDP6);
  s.on('packet', (srv: Server, data: Buffer, info: Record<string, unknown>) => {
    srv.sendto(info.address as string, info.port as number, `v6 ${data.length} ${String(info.address)}`, info.server_socket as number);
  });
  const ready = new Promise<void>((r) => s.on('workerStart', () => r()));
  const run = s.start();
  await ready;
  const c = dgram.createSocket('udp6');
  await new Promise<void>((r) => c.bind(0, '::1', () => r()));
  t.teardown(() => c.close());
  const reply = once(c, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
  c.send('hi', s.port, '::1');
  const [msg, rinfo] = await reply;
  t.same([String(msg), rinfo.port], ['v6 2 ::1', s.port]);
  // IPv6 carries 20 bytes more than IPv4: a 65,527-byte datagram arrives whole.
  const big = once(c, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
  c.send(Buffer.alloc(65527, 0x36), s.port, '::1');
  t.equal(String((await big)[0]), 'v6 65527 ::1', 'answered: the whole datagram arrived');
  t.equal(s.sendto('::1', c.address().port, Buffer.alloc(65528)), false, 'above 65,527 bytes: refused');
  t.equal(s.getLastError(), osc.errno.EMSGSIZE);
  t.equal(s.sendto('127.0.0.1', 9, 'x'), false, 'no UDP (IPv4) port');
  t.equal(s.getLastError(), ErrorCode.WRONG_OPERATION);
  s.shutdown();
  t.equal(await run, true);
});
