import t from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { ErrorCode } from '../../reference/errors.ts';
import { SWOOLE_BASE, SWOOLE_SOCK_UDP } from '../../reference/constants.ts';
import { Server } from '../../reference/server/server.ts';

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
