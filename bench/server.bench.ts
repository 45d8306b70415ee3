/**
 * Server echo throughput with worker processes: ours BASE, ours PROCESS (2 workers each) and a
 * plain node:cluster echo (2 workers, raw bytes, no framing) as the baseline, same run, driven
 * by bench/server-load.ts in its own process: 32 connections × 8 frames in flight and
 * 64 connections × 1, 64-byte length-framed frames. Medians of ROUNDS, interleaved in a
 * rotating order.
 * Real Swoole 6.2.1 on this kind of machine (swoole-observed.md): 32×8 BASE 140k–168k,
 * PROCESS 80k–91k frames/s; 64×1 BASE 116k, PROCESS 54k, node cluster 106k.
 * Env: SERVER_BENCH_ROUNDS (5), SERVER_BENCH_MS (2000), SERVER_BENCH_WORKERS (2).
 */
import { appReady } from './app-ready.ts';
import { spawn } from 'node:child_process';
import { siblingArgs } from '../conformance/runner/compiled.ts';

const ROUNDS = Number(process.env.SERVER_BENCH_ROUNDS ?? 5);
const MS = Number(process.env.SERVER_BENCH_MS ?? 2000);
const WORKERS = Number(process.env.SERVER_BENCH_WORKERS ?? 2);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Target = 'base' | 'process' | 'cluster';

async function measure(target: Target, conns: number, inflight: number): Promise<number> {
  const app = spawn(process.execPath, siblingArgs('server-app', import.meta.url), { env: { ...process.env, BENCH_TARGET: target, BENCH_WORKERS: String(WORKERS) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => app.once('exit', () => r()));
  const port = await appReady(app, WORKERS, `${target} server`);
  const load = spawn(process.execPath, [...siblingArgs('server-load', import.meta.url), String(port), String(conns), String(inflight), String(MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  load.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((r) => load.once('exit', () => r()));
  app.kill('SIGTERM');
  await exited;
  return (JSON.parse(out) as { rate: number }).rate;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const shapes: [number, number, { base: string; process: string; cluster: string }][] = [
  [32, 8, { base: '140k–168k', process: '80k–91k', cluster: '0.6M–2.0M (batched writes)' }],
  [64, 1, { base: '116k', process: '54k', cluster: '106k' }],
];
console.log(`| shape (64 B frames, ${WORKERS} workers, ${MS} ms, median of ${ROUNDS}) | ours BASE | ours PROCESS | node cluster echo | BASE / cluster | BASE / Swoole BASE | PROCESS / Swoole PROCESS |`);
console.log('|---|---|---|---|---|---|---|');
for (const [conns, inflight, swoole] of shapes) {
  const r: Record<Target, number[]> = { base: [], process: [], cluster: [] };
  const order: Target[] = ['base', 'process', 'cluster'];
  // The machine is shared: rotate the order each round so no target always runs last.
  for (let i = 0; i < ROUNDS; i++) for (let k = 0; k < 3; k++) {
    const t = order[(i + k) % 3]!;
    r[t].push(await measure(t, conns, inflight));
  }
  const b = median(r.base);
  const p = median(r.process);
  const c = median(r.cluster);
  const swooleBase = Number.parseFloat(swoole.base) * 1000;
  const swooleProc = Number.parseFloat(swoole.process) * 1000;
  console.log(`| ${conns} conns × ${inflight} in flight, frames/s | ${fmt(b)} | ${fmt(p)} | ${fmt(c)} | ${(b / c).toFixed(2)} | ${(b / swooleBase).toFixed(2)} (Swoole ${swoole.base}) | ${(p / swooleProc).toFixed(2)} (Swoole ${swoole.process}) |`);
}
