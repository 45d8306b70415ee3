/**
 * Pool UNIXSOCK: sendMessage 1 KiB worker→worker msgs/s (ours vs process.send child→parent),
 * and restart latency from a worker's exit to its replacement's onWorkerStart: the standby
 * hand-off (the default), the standby assigned by the master (standby_handoff: false) and no
 * standby (a cold spawn), interleaved in one run, medians of several rounds. Each sample
 * includes the dying worker's write of its exit time (a first file write: ~0.3 ms here).
 * Env: BENCH_ROUNDS (5), BENCH_COUNT (200000), BENCH_RESTART_ROUNDS (4; 6 restarts each),
 * BENCH_ONLY=restart (only the restart latency: no sendMessage rounds, no crash loop).
 * Also: a crash loop's restarts and CPU (the backoff at work), and real Swoole's numbers as reference lines.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { siblingArgs } from '../conformance/runner/compiled.ts';

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => sorted(xs)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => sorted(xs)[Math.min(xs.length - 1, Math.ceil(xs.length * p) - 1)]!;
const int = (x: number): string => Math.round(x).toLocaleString('en');

type Line = Record<string, number | string>;

function runApp(env: Record<string, string>, onLine: (o: Line) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, siblingArgs('pool-app', import.meta.url), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (onLine(JSON.parse(l) as Line)) child.kill('SIGTERM');
    });
    child.on('exit', () => resolve());
  });
}

interface Throughput {
  rate: number;
  /** CPU time per message, sender loop and receiver (µs). */
  txUs: number;
  rxUs: number;
  /** Minor page faults per 1000 messages, sender and receiver. */
  txFaults: number;
  rxFaults: number;
}

async function ours(count: number): Promise<Throughput> {
  const r: Throughput = { rate: 0, txUs: 0, rxUs: 0, txFaults: 0, rxFaults: 0 };
  await runApp({ BENCH_MODE: 'throughput', BENCH_COUNT: String(count) }, (o) => {
    if (o.ev === 'sent') {
      r.txUs = ((o.cpuMs as number) * 1000) / count;
      r.txFaults = ((o.faults as number) * 1000) / count;
    }
    if (o.ev === 'done') {
      r.rate = count / ((o.ms as number) / 1000);
      r.rxUs = ((o.cpuMs as number) * 1000) / count;
      r.rxFaults = ((o.faults as number) * 1000) / count;
    }
    return false;
  });
  return r;
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
  const exited = new Promise((r) => child.once('exit', r));
  child.kill();
  await exited;
  return count / (ms / 1000);
}

/**
 * Exit → replacement onWorkerStart, in ms. Worker 1 exits on our SIGUSR2, sent once the master's
 * trace (SWOOLE_REF_POOL_TRACE_FD) shows a ready standby (or, without one, a while after start).
 */
async function restart(standby: boolean, samples: number, handoff = true): Promise<{ lat: number[]; handoffs: number }> {
  const lat: number[] = [];
  let handoffs = 0;
  let lastExit = 0;
  let worker1 = 0;
  /** The worker told to exit: its exit time is in `${exitFile}.${pid}`. */
  let exiting = 0;
  const ready = new Set<number>();
  // The exiting worker writes its exit time to this file (not to a pipe we read: see pool-app.ts).
  const dir = mkdtempSync(join(tmpdir(), 'swc-restart-'));
  const exitFile = join(dir, 'exit');
  const child = spawn(process.execPath, siblingArgs('pool-app', import.meta.url), {
    env: { ...process.env, BENCH_MODE: 'restart', BENCH_STANDBY: standby ? '1' : '0', BENCH_HANDOFF: handoff ? '1' : '0', SWOOLE_REF_POOL_TRACE_FD: '3', BENCH_EXIT_FILE: exitFile },
    stdio: ['ignore', 'pipe', 'inherit', 'pipe'],
  });
  const poke = (): void => {
    const pid = worker1;
    // A standby that took slot 1 by hand-off prints its start before the master traces 'handoff'.
    ready.delete(pid);
    if (!pid || (standby && ready.size === 0)) return;
    worker1 = 0;
    // A short pause lets the new standby settle (its first messages, JIT) like a real idle one.
    setTimeout(() => {
      exiting = pid;
      process.kill(pid, 'SIGUSR2');
    }, standby ? 100 : 300);
  };
  createInterface({ input: child.stdio[3] as NodeJS.ReadableStream }).on('line', (l) => {
    const o = JSON.parse(l) as Line;
    if (o.ev === 'ready' && o.wantSlot === -1) ready.add(o.pid as number);
    if (o.ev === 'assign' || o.ev === 'handoff') ready.delete(o.pid as number);
    if (o.ev === 'handoff') handoffs++;
    poke();
  });
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const o = JSON.parse(l) as Line;
    if (o.ev === 'start' && o.id === 1) {
      const file = `${exitFile}.${exiting}`;
      if (exiting && existsSync(file)) lastExit = Number(readFileSync(file, 'utf8'));
      exiting = 0;
      if (lastExit) lat.push((o.at as number) - lastExit);
      lastExit = 0;
      if (lat.length >= samples) child.kill('SIGTERM');
      else {
        worker1 = o.pid as number;
        poke();
      }
    }
  });
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { lat, handoffs };
}

const onlyRestart = process.env.BENCH_ONLY === 'restart';
const rounds = onlyRestart ? 0 : Number(process.env.BENCH_ROUNDS ?? 5);
const count = Number(process.env.BENCH_COUNT ?? 200_000);
const oursRuns: Throughput[] = [];
const baseRates: number[] = [];
for (let r = 0; r < rounds; r++) {
  oursRuns.push(await ours(count));
  baseRates.push(await processSend(count));
}
console.log('| measure | ours | baseline | ratio |');
console.log('|---|---|---|---|');
if (!onlyRestart) {
  const o = median(oursRuns.map((x) => x.rate));
  const b = median(baseRates);
  console.log(`| sendMessage 1 KiB worker→worker (msg/s, median of ${rounds}) | ${int(o)} | process.send ${int(b)} | ${(o / b).toFixed(2)}× |`);
  const med = (f: (x: Throughput) => number): string => median(oursRuns.map(f)).toFixed(2);
  console.log(`| sendMessage CPU per message (median) | sender ${med((x) => x.txUs)} µs, receiver ${med((x) => x.rxUs)} µs | | |`);
  console.log(`| sendMessage page faults per 1000 messages (median) | sender ${med((x) => x.txFaults)}, receiver ${med((x) => x.rxFaults)} | | |`);
}
// Each round is a fresh pool with at most 6 exits of slot 1, so the crash backoff (from the
// 9th exit of a slot within 10 s) never delays a sample.
const restartRounds = Number(process.env.BENCH_RESTART_ROUNDS ?? 4);
// Three ways, interleaved so machine noise hits them alike: the standby hand-off (default), the
// standby assigned by the master (standby_handoff: false), and no standby (a cold spawn).
const withStandby: number[] = [];
const viaMaster: number[] = [];
const cold: number[] = [];
let handoffs = 0;
for (let r = 0; r < restartRounds; r++) {
  const h = await restart(true, 6);
  withStandby.push(...h.lat);
  handoffs += h.handoffs;
  viaMaster.push(...(await restart(true, 6, false)).lat);
  if (r % 2 === 0) cold.push(...(await restart(false, 4)).lat);
}
const fmt = (xs: number[]): string => `median ${median(xs).toFixed(2)} ms, p99 ${pct(xs, 0.99).toFixed(2)} ms (n=${xs.length})`;
console.log(`| restart: exit → replacement onWorkerStart, standby hand-off (${handoffs} of ${withStandby.length} handed off) | ${fmt(withStandby)} | standby via the master: ${fmt(viaMaster)} | ${(median(viaMaster) / median(withStandby)).toFixed(2)}× |`);
console.log(`| restart: cold spawn (standby: false) | ${fmt(cold)} | | ${(median(cold) / median(withStandby)).toFixed(0)}× slower than the hand-off |`);
// A crash loop (worker 1 exits in onWorkerStart): restarts and CPU over CRASH_MS, master and
// all its children (reaped descendants' CPU shows up in our own /proc/self/stat cutime+cstime).
async function crashLoop(): Promise<void> {
  const childCpuMs = (): number => {
    const st = readFileSync('/proc/self/stat', 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100; // cutime, cstime in clock ticks (USER_HZ = 100)
  };
  const CRASH_MS = Number(process.env.BENCH_CRASH_MS ?? 8000);
  let crashes = 0;
  const cpu0 = childCpuMs();
  const t0 = performance.now();
  let stopCrash = false;
  const timer = setTimeout(() => (stopCrash = true), CRASH_MS);
  await runApp({ BENCH_MODE: 'crash' }, (l) => {
    if (l.ev === 'start' && l.id === 1) crashes++;
    return stopCrash;
  });
  clearTimeout(timer);
  const wall = performance.now() - t0;
  const cores = (childCpuMs() - cpu0) / wall;
  console.log(`| crash loop (worker exits in onWorkerStart) over ${(wall / 1000).toFixed(1)} s | ${crashes} restarts, ${cores.toFixed(2)} cores of CPU (master + children, incl. standby boots) | Swoole: no backoff | |`);
}
if (!onlyRestart) await crashLoop();
console.log(`| reference, real Swoole 6.2.1 on this machine (observed earlier, not measured in this run) | sendMessage 445k–490k msg/s; restart 2.2–3 ms | | |`);
if (!onlyRestart) console.log(`rounds: sendMessage ${oursRuns.map((x) => int(x.rate)).join(', ')}; process.send ${baseRates.map(int).join(', ')}`);
console.log(`restart hand-off (ms): ${sorted(withStandby).map((x) => x.toFixed(2)).join(' ')}`);
console.log(`restart via the master (ms): ${sorted(viaMaster).map((x) => x.toFixed(2)).join(' ')}`);
