/**
 * Pool: sendMessage 1 KiB worker→worker msgs/s (ours vs process.send child→parent), and restart
 * latency from a worker's exit to its replacement's onWorkerStart (with and without the
 * standby), same run. Real Swoole here: 445k–490k msg/s; restart 2.2–3 ms; cold spawn ~69 ms.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('./pool-app.ts', import.meta.url));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

function runApp(env: Record<string, string>, onLine: (o: Record<string, number | string>) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import=tsx', app], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (onLine(JSON.parse(l))) child.kill('SIGTERM');
    });
    child.on('exit', () => resolve());
  });
}

async function ours(count: number): Promise<number> {
  let rate = 0;
  await runApp({ BENCH_MODE: 'throughput', BENCH_COUNT: String(count) }, (o) => {
    if (o.ev === 'done') rate = count / ((o.ms as number) / 1000);
    return false;
  });
  return rate;
}

async function processSend(count: number): Promise<number> {
  const src = `const m = 'a'.repeat(1024); process.on('message', () => { for (let i = 0; i < ${count}; i++) process.send(m); });`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let got = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    child.on('message', () => {
      if (++got === count) resolve();
    });
    child.send('go');
  });
  const ms = performance.now() - t0;
  child.kill();
  return count / (ms / 1000);
}

async function restart(standby: boolean, samples: number): Promise<number[]> {
  const lat: number[] = [];
  let lastExit = 0;
  await runApp({ BENCH_MODE: 'restart', BENCH_STANDBY: standby ? '1' : '0' }, (o) => {
    if (o.ev === 'exit') lastExit = o.at as number;
    else if (o.ev === 'start' && o.id === 1 && lastExit) {
      lat.push((o.at as number) - lastExit);
      lastExit = 0;
    }
    return lat.length >= samples;
  });
  return lat;
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const count = Number(process.env.BENCH_COUNT ?? 200_000);
const oursRates: number[] = [];
const baseRates: number[] = [];
for (let r = 0; r < rounds; r++) {
  oursRates.push(await ours(count));
  baseRates.push(await processSend(count));
}
const o = median(oursRates);
const b = median(baseRates);
console.log('| measure | ours | baseline | ratio |');
console.log('|---|---|---|---|');
console.log(`| sendMessage 1 KiB worker→worker (msg/s, median of ${rounds}) | ${Math.round(o).toLocaleString('en')} | process.send ${Math.round(b).toLocaleString('en')} | ${(o / b).toFixed(2)}× |`);
// The backoff starts after 8 rapid exits of a slot, so each sample set stays within that burst.
const withStandby: number[] = [];
const cold: number[] = [];
for (let r = 0; r < 2; r++) {
  withStandby.push(...(await restart(true, 5)));
  cold.push(...(await restart(false, 5)));
}
const fmt = (xs: number[]): string => `${median(xs).toFixed(2)} ms (p99 ${pct(xs, 0.99).toFixed(2)})`;
console.log(`| restart: exit → replacement onWorkerStart | ${fmt(withStandby)} with standby | ${fmt(cold)} cold spawn | ${(median(cold) / median(withStandby)).toFixed(1)}× faster |`);
