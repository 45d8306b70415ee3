/**
 * Pool SWOOLE_IPC_SOCKET requests/s: CONNS concurrent clients, each doing one request per
 * connection (connect, a 4-byte big-endian frame of 100 bytes, read the one response frame,
 * close) in a loop; ours (Process\Pool, BENCH_WORKERS workers) vs node's cluster with a plain
 * net.Server doing the same framing, same run, alternating, medians of ROUNDS.
 * Env: BENCH_ROUNDS (3), BENCH_MS (2000), BENCH_CONNS (32), BENCH_WORKERS (2).
 */
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { siblingArgs } from '../conformance/runner/compiled.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MS = Number(process.env.BENCH_MS ?? 2000);
const CONNS = Number(process.env.BENCH_CONNS ?? 32);
const BODY = Buffer.alloc(100, 0x62);
const REQUEST = Buffer.concat([Buffer.from([0, 0, 0, BODY.length]), BODY]);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function server(kind: 'pool' | 'cluster'): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, siblingArgs('pool-socket-app', import.meta.url), { env: { ...process.env, BENCH_SERVER: kind }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as { ev: string; port: number };
      if (o.ev === 'listening') resolve(o.port);
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before listening`)));
  });
  return { port, child };
}

/** One client loop: request after request, one per connection, until `until`. */
function client(port: number, until: number, counts: { ok: number; bad: number }): Promise<void> {
  return new Promise((resolve) => {
    const once = (): void => {
      if (performance.now() >= until) return resolve();
      const c = net.connect(port, '127.0.0.1');
      let got = 0;
      c.setNoDelay(true);
      c.on('connect', () => c.write(REQUEST));
      c.on('data', (d: Buffer) => (got += d.length));
      c.on('error', () => {});
      c.on('close', () => {
        if (got === REQUEST.length) counts.ok++;
        else counts.bad++;
        once();
      });
    };
    once();
  });
}

async function measure(kind: 'pool' | 'cluster'): Promise<number> {
  const { port, child } = await server(kind);
  // Warm up (JIT, accept queues), then count.
  await Promise.all(Array.from({ length: CONNS }, () => client(port, performance.now() + 300, { ok: 0, bad: 0 })));
  const counts = { ok: 0, bad: 0 };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNS }, () => client(port, t0 + MS, counts)));
  const ms = performance.now() - t0;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  if (counts.bad) console.log(`(${kind}: ${counts.bad} requests without a full response)`);
  return counts.ok / (ms / 1000);
}

const ours: number[] = [];
const base: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  ours.push(await measure('pool'));
  base.push(await measure('cluster'));
}
const o = median(ours);
const b = median(base);
const workers = process.env.BENCH_WORKERS ?? '2';
console.log('| measure | ours | baseline | ratio |');
console.log('|---|---|---|---|');
console.log(`| SOCKET requests/s, ${CONNS} clients, one request per connection, ${workers} workers (median of ${ROUNDS}) | ${Math.round(o).toLocaleString('en')} | node cluster + net ${Math.round(b).toLocaleString('en')} | ${(o / b).toFixed(2)}× |`);
console.log(`rounds: ours ${ours.map((x) => Math.round(x)).join(', ')}; baseline ${base.map((x) => Math.round(x)).join(', ')}`);
