/**
 * The servers the SOCKET bench drives (both re-run this file in their workers). BENCH_SERVER:
 * 'pool' = our Process\Pool in SWOOLE_IPC_SOCKET mode; 'cluster' = node's cluster with a plain
 * net.Server doing the same framing (4-byte big-endian length + body in, one such frame of the
 * echoed body out, then close). The master prints {"ev":"listening","port":N} once.
 */
import cluster from 'node:cluster';
import net from 'node:net';
import { Pool, SWOOLE_IPC_SOCKET } from '../reference/index.ts';

const workers = Number(process.env.BENCH_WORKERS ?? 2);

if (process.env.BENCH_SERVER === 'cluster') {
  if (cluster.isPrimary) {
    let up = 0;
    cluster.on('listening', (_w, addr) => {
      if (++up === workers) console.log(JSON.stringify({ ev: 'listening', port: addr.port }));
    });
    // listen(0) in every worker shares one handle, so one port (node's default round-robin).
    for (let i = 0; i < workers; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      process.exit(0);
    });
  } else {
    net
      .createServer((conn) => {
        let buf: Buffer = Buffer.alloc(0);
        conn.on('data', (chunk: Buffer) => {
          buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
          if (buf.length < 4) return;
          const n = buf.readUInt32BE(0);
          if (buf.length < 4 + n) return;
          const head = Buffer.allocUnsafe(4);
          head.writeUInt32BE(n, 0);
          conn.end(Buffer.concat([head, buf.subarray(4, 4 + n)]));
        });
        conn.on('error', () => {});
      })
      .listen(0, '127.0.0.1');
  }
} else {
  const pool = new Pool(workers, SWOOLE_IPC_SOCKET);
  pool.listen('127.0.0.1', 0);
  pool.on('Start', (p) => console.log(JSON.stringify({ ev: 'listening', port: p.port })));
  pool.on('Message', (p, data) => {
    p.write(data);
  });
  await pool.start();
}
