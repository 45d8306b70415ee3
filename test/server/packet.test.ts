import t from 'tap';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { ErrorCode } from '../../reference/errors.ts';
import { SWOOLE_SOCK_TCP, SWOOLE_SOCK_UDP, SWOOLE_SOCK_UDP6, SWOOLE_SOCK_UNIX_DGRAM } from '../../reference/constants.ts';
import { datagramDispatchKey, datagramKind, datagramTarget, packetClientInfo, recvSize, sendLimit, UDP6_MAX_PAYLOAD, UDP_MAX_PAYLOAD } from '../../reference/server/packet.ts';
import { choosePacketWorker, chooseWorker } from '../../reference/server/dispatch.ts';
import { packPacket, unpackPacket } from '../../reference/server/channel.ts';

const runs = Number(process.env.FC_RUNS ?? 100);
const idle = (n: number) => Array.from({ length: n }, () => ({ idle: true, load: 0, concurrency: 0 }));

t.test('clause:server.dgram.client-info — keys and order: UDP five keys, unix dgram without port', async (t) => {
  t.same(Object.keys(packetClientInfo('udp', 4, 9501, '127.0.0.1', 40000, 1.5)), ['server_socket', 'dispatch_time', 'server_port', 'address', 'port']);
  t.same(Object.keys(packetClientInfo('udp6', 4, 9501, '::1', 40000, 1.5)), ['server_socket', 'dispatch_time', 'server_port', 'address', 'port']);
  t.same(packetClientInfo('unix', 5, 0, '/tmp/c.sock', -1, 2.5), { server_socket: 5, dispatch_time: 2.5, server_port: 0, address: '/tmp/c.sock' });
  t.same([datagramKind(SWOOLE_SOCK_UDP), datagramKind(SWOOLE_SOCK_UDP6), datagramKind(SWOOLE_SOCK_UNIX_DGRAM), datagramKind(SWOOLE_SOCK_TCP)], ['udp', 'udp6', 'unix', null]);
});

t.test('clause:server.dgram.send-errors — datagramTarget reads an address: IP literal + port, or an absolute path', async (t) => {
  t.same(datagramTarget('127.0.0.1', 9), { kind: 'udp', host: '127.0.0.1', port: 9 });
  t.same(datagramTarget('::1', 65535), { kind: 'udp6', host: '::1', port: 65535 });
  t.same(datagramTarget('/tmp/x.sock', 0), { kind: 'unix', path: '/tmp/x.sock' }, 'a path ignores the port');
  for (const [addr, port] of [['not-an-ip', 9], ['', 9], ['127.0.0.1', 0], ['127.0.0.1', 65536], ['127.0.0.1', 1.5], [9, 9], ['/' + 'x'.repeat(107), 0], ['relative.sock', 0]] as const) {
    t.equal(datagramTarget(addr, port), ErrorCode.INVALID_PARAMS, `${String(addr).slice(0, 20)}:${port}`);
  }
  t.equal(sendLimit({ kind: 'udp', host: '127.0.0.1', port: 9 }), UDP_MAX_PAYLOAD);
  t.equal(sendLimit({ kind: 'udp6', host: '::1', port: 9 }), UDP6_MAX_PAYLOAD, 'IPv6: 65,527 (its length field excludes the IP header)');
  t.equal(sendLimit({ kind: 'unix', path: '/x' }), Infinity, 'unix: the kernel decides (socket buffer)');
  t.same([recvSize('udp'), recvSize('udp6')], [UDP_MAX_PAYLOAD + 1, UDP6_MAX_PAYLOAD + 1], 'a receive buffer one byte above the largest payload');
});

t.test('clause:server.dgram.process-dispatch — the key: IPv4 bytes as Swoole copies them into an int, crc32 of an IPv6 literal or a unix path', async (t) => {
  // 127.0.0.1 is 7f 00 00 01 on the wire; copied into a little-endian int that is 0x0100007f.
  t.equal(datagramDispatchKey('udp', '127.0.0.1'), 0x0100007f);
  t.equal(datagramDispatchKey('udp', '10.1.2.3'), 0x0302010a);
  t.equal(datagramDispatchKey('udp6', '2001:db8::1'), crc32(Buffer.from('2001:db8::1')) >>> 0);
  t.equal(datagramDispatchKey('udp6', '::1'), crc32(Buffer.from('::1')) >>> 0);
  t.equal(datagramDispatchKey('unix', '/tmp/a.sock'), crc32(Buffer.from('/tmp/a.sock')) >>> 0);
  fc.assert(fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), fc.integer({ min: 1, max: 64 }), (q, n) => {
    const key = datagramDispatchKey('udp', q.join('.'));
    return key === Buffer.from(q).readUInt32LE(0) && [2, 4, 5, 8].every((m) => choosePacketWorker(m, key, idle(n), 0).workerId === key % n);
  }), { numRuns: runs });
});

t.test('clause:server.dgram.process-dispatch — non-hash modes choose as for a connection (round robin, idle, least loaded)', async (t) => {
  const w = idle(3);
  let rr = 0;
  const seq: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = choosePacketWorker(1, 12345, w, rr);
    rr = r.roundRobin;
    seq.push(r.workerId);
  }
  t.same(seq, [0, 1, 2, 0, 1, 2]);
  const loads = [{ idle: false, load: 3, concurrency: 0 }, { idle: false, load: 1, concurrency: 0 }, { idle: false, load: 2, concurrency: 0 }];
  t.equal(choosePacketWorker(9, 7, loads, 0).workerId, 1, 'mode 9: least loaded');
  t.same(choosePacketWorker(3, 7, w, 5), chooseWorker(3, { socketFd: 7, remoteIp: '', uid: 0 }, w, 5), 'mode 3 as for a connection');
  t.equal(choosePacketWorker(8, 7, w, 0).bind, false, 'mode 8 binds nothing: there is no connection');
  t.throws(() => choosePacketWorker(2, 1, [], 0), RangeError);
});

t.test('clause:server.dgram.process-dispatch — an R_PACKET payload carries time, sender and datagram unchanged', async (t) => {
  fc.assert(fc.property(fc.double({ noNaN: true }), fc.string({ maxLength: 107 }), fc.integer({ min: -1, max: 65535 }), fc.uint8Array({ maxLength: 2000 }), (time, address, port, bytes) => {
    const u = unpackPacket(packPacket(time, address, port, Buffer.from(bytes)));
    return Object.is(u.time, time) && u.address === address && u.port === port && u.data.equals(Buffer.from(bytes));
  }), { numRuns: runs });
});
