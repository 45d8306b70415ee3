/** The pool the Pool bench drives (master and workers run this file). Prints JSON lines. */
import { performance } from 'node:perf_hooks';
import { Pool, SWOOLE_IPC_UNIXSOCK } from '../reference/index.ts';

const mode = process.env.BENCH_MODE ?? 'throughput';
const count = Number(process.env.BENCH_COUNT ?? 200_000);
const now = (): number => performance.timeOrigin + performance.now();
const pool = new Pool(2, SWOOLE_IPC_UNIXSOCK);
pool.set({ standby: process.env.BENCH_STANDBY !== '0' });
let received = 0;
let t0 = 0;
pool.on('WorkerStart', (p, id) => {
  console.log(JSON.stringify({ ev: 'start', id, at: now() }));
  if (mode === 'restart' && id === 1) {
    // Exit right away: the master's replacement's start time measures the restart latency.
    // ...after a pause, so the next standby has booted (a crash loop is a different measure).
    setTimeout(() => {
      console.log(JSON.stringify({ ev: 'exit', at: now() }));
      process.exit(0);
    }, Number(process.env.BENCH_DELAY ?? 700));
  }
  if (mode === 'throughput' && id === 0) {
    const msg = Buffer.alloc(1024, 0x61);
    setTimeout(() => {
      p.sendMessage('go', 1);
      for (let i = 0; i < count; i++) p.sendMessage(msg, 1);
    }, 200);
  }
});
pool.on('Message', (p, data) => {
  if (data.length === 2) {
    t0 = now();
    return;
  }
  if (++received === count) {
    console.log(JSON.stringify({ ev: 'done', ms: now() - t0 }));
    p.shutdown();
  }
});
await pool.start();
