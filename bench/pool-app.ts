/** The pool the Pool benches drive (master and workers run this file). Prints JSON lines. BENCH_MODE: throughput | restart | crash | idle. */
import { openSync, readFileSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool, SWOOLE_IPC_UNIXSOCK } from '../reference/index.ts';

const mode = process.env.BENCH_MODE ?? 'throughput';
const count = Number(process.env.BENCH_COUNT ?? 200_000);
const now = (): number => performance.timeOrigin + performance.now();
/** Minor page faults of this process so far (/proc/self/stat field 10). */
const minflt = (): number => {
  const st = readFileSync('/proc/self/stat', 'utf8');
  return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[7]);
};
const pool = new Pool(2, SWOOLE_IPC_UNIXSOCK);
pool.set({ standby: process.env.BENCH_STANDBY !== '0', standby_handoff: process.env.BENCH_HANDOFF !== '0' });
let received = 0;
let t0 = 0;
let c0 = process.cpuUsage();
let f0 = 0;
pool.on('WorkerStart', (p, id) => {
  console.log(JSON.stringify({ ev: 'start', id, at: now(), pid: process.pid }));
  if (mode === 'restart' && id === 1) {
    // Exit when the bench says so (SIGUSR2: it waits for a ready standby); the replacement's
    // onWorkerStart time measures the restart latency.
    // To a regular file nobody waits on: a write to the bench's pipe would wake the bench and
    // could cost this process its CPU right when the restart is being timed. The file is opened
    // now, so the timed exit pays one write(2), not the open and close of a first file write
    // (about 0.3 ms here, which earlier runs counted as restart latency).
    const exitFd = openSync(`${process.env.BENCH_EXIT_FILE!}.${process.pid}`, 'w');
    process.on('SIGUSR2', () => {
      writeSync(exitFd, String(now()));
      process.exit(0);
    });
  }
  if (mode === 'crash' && id === 1) process.exit(1); // a crash loop: the supervisor must back off
  if (mode === 'throughput' && id === 0) {
    const msg = Buffer.alloc(1024, 0x61);
    setTimeout(() => {
      p.sendMessage('go', 1);
      const c0 = process.cpuUsage();
      const f0 = minflt();
      for (let i = 0; i < count; i++) p.sendMessage(msg, 1);
      const c = process.cpuUsage(c0);
      console.log(JSON.stringify({ ev: 'sent', cpuMs: (c.user + c.system) / 1000, faults: minflt() - f0 }));
    }, 200);
  }
});
pool.on('Message', (p, data) => {
  if (data.length === 2) {
    t0 = now();
    c0 = process.cpuUsage();
    f0 = minflt();
    return;
  }
  if (++received === count) {
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ ev: 'done', ms: now() - t0, cpuMs: (c.user + c.system) / 1000, faults: minflt() - f0 }));
    p.shutdown();
  }
});
await pool.start();
