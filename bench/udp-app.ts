/**
 * The datagram servers of bench/server-udp.bench.ts, one per process (BENCH_TARGET):
 * - ours-single / ours-base / ours-process: the reference Server with a UDP port, onPacket
 *   answers sendto(address, port, <worker id byte>, server_socket) (base/process: BENCH_WORKERS);
 * - dgram: a plain node:dgram echo (the baseline);
 * - reader: one reader of a split test: fd 3 when BENCH_FD=3 (the shared socket), else its own
 *   SO_REUSEPORT socket on BENCH_PORT; answers each datagram with BENCH_ID.
 * Prints {"ev":"port"} and one {"ev":"worker"} per ready reader.
 */
import dgram from 'node:dgram';
import { Server } from '../reference/server/server.ts';
import { SWOOLE_BASE, SWOOLE_PROCESS, SWOOLE_SOCK_UDP } from '../reference/constants.ts';
import { loadNative } from '../reference/native/loader.ts';

const say = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const target = process.env.BENCH_TARGET ?? 'ours-single';

if (target === 'dgram') {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => s.send(Buffer.from([0]), r.port, r.address));
  s.bind(0, '127.0.0.1', () => {
    say({ ev: 'port', port: s.address().port });
    say({ ev: 'worker' });
  });
  process.on('SIGTERM', () => s.close());
} else if (target === 'reader') {
  const native = loadNative();
  const id = Buffer.from([Number(process.env.BENCH_ID ?? 0)]);
  const fd = process.env.BENCH_FD ? Number(process.env.BENCH_FD) : native.bindUdp('127.0.0.1', Number(process.env.BENCH_PORT), { reusePort: true }).fd;
  const sock = native.openDatagram(fd);
  sock.startReading(2048, (batch) => {
    for (const d of batch) native.sendTo(fd, id, d.address!, d.port!);
  }, 64, true);
  say({ ev: 'worker' });
  process.on('SIGTERM', () => sock.close());
} else {
  const mode = target === 'ours-process' ? SWOOLE_PROCESS : SWOOLE_BASE;
  const s = new Server('127.0.0.1', 0, mode, SWOOLE_SOCK_UDP);
  s.set({ worker_num: target === 'ours-single' ? 1 : Number(process.env.BENCH_WORKERS ?? 2) });
  s.on('packet', (srv: Server, _data: Buffer, info: { address: string; port: number; server_socket: number }) => {
    srv.sendto(info.address, info.port, Buffer.from([Math.max(0, srv.getWorkerId() as number)]), info.server_socket);
  });
  s.on('workerStart', (srv: Server) => {
    if (target === 'ours-single') say({ ev: 'port', port: srv.port });
    say({ ev: 'worker' });
  });
  s.on('managerStart', (srv: Server) => say({ ev: 'port', port: srv.port }));
  await s.start();
}
