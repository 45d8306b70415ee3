/**
 * The servers the load bench drives (one process tree per run), echoing 4-byte-length-framed
 * frames: BENCH_TARGET=base | process (ours, worker_num BENCH_WORKERS) or cluster (a plain
 * node:cluster echo of raw bytes, the baseline). Prints {"ev":"port","port":P} once and
 * {"ev":"worker"} per serving worker; SIGTERM stops it.
 */
import cluster from 'node:cluster';
import net from 'node:net';
import { Server } from '../reference/server/server.ts';
import { SWOOLE_BASE, SWOOLE_PROCESS } from '../reference/constants.ts';

const target = process.env.BENCH_TARGET ?? 'base';
const workers = Number(process.env.BENCH_WORKERS ?? 2);
const say = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');

if (target === 'cluster') {
  if (cluster.isPrimary) {
    let up = 0;
    for (let i = 0; i < workers; i++) {
      cluster.fork().on('message', (m: { port: number }) => {
        say({ ev: 'worker' });
        if (++up === workers) say({ ev: 'port', port: m.port });
      });
    }
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      process.exit(0);
    });
  } else {
    const srv = net.createServer((sock) => {
      sock.setNoDelay(true);
      sock.on('error', () => {});
      sock.on('data', (d) => sock.write(d));
    });
    srv.listen(0, '127.0.0.1', () => process.send!({ port: (srv.address() as net.AddressInfo).port }));
  }
} else {
  const server = new Server('127.0.0.1', 0, target === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE);
  server.set({ worker_num: workers, open_length_check: true, package_length_type: 'N', package_length_offset: 0, package_body_offset: 4, open_tcp_nodelay: true });
  server.on('receive', (s: Server, fd: number, _rid: number, data: Buffer) => {
    s.send(fd, data);
  });
  server.on('workerStart', () => say({ ev: 'worker' }));
  server.on('managerStart', (s: Server) => say({ ev: 'port', port: s.port }));
  await server.start();
}
