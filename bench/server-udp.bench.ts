/**
 * Datagram ports, same run: 16 UDP clients on 127.0.0.1, one 64-byte datagram in flight each
 * (bench/udp-load.ts), replies/s, medians of ROUNDS in a rotating order.
 * - single process: ours (Server onPacket → sendto) vs a plain node:dgram echo (baseline);
 * - 2 workers: ours multi-worker BASE (every worker reads the shared socket) and PROCESS
 *   (master reads, dispatch_mode 2 keys on the address: one peer address → one worker), and
 *   the decision behind BASE: 2 bare readers (addon, no server) on one shared socket vs a
 *   SO_REUSEPORT group, with the split of replies between the two.
 * Env: UDP_BENCH_ROUNDS (5), UDP_BENCH_MS (1500), UDP_BENCH_CLIENTS (16).
 */
import { appReady } from './app-ready.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { siblingArgs } from '../conformance/runner/compiled.ts';
import { loadNative } from '../reference/native/loader.ts';

const ROUNDS = Number(process.env.UDP_BENCH_ROUNDS ?? 5);
const MS = Number(process.env.UDP_BENCH_MS ?? 1500);
const CLIENTS = Number(process.env.UDP_BENCH_CLIENTS ?? 16);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const native = loadNative();

type Target = 'ours-single' | 'dgram' | 'ours-base' | 'ours-process' | 'shared' | 'reuseport';

function spawnApp(env: Record<string, string>, extraFd?: number): { proc: ChildProcess; ready: Promise<number> } {
  const stdio: ('ignore' | 'pipe' | 'inherit' | number)[] = ['ignore', 'pipe', 'inherit'];
  if (extraFd !== undefined) stdio.push(extraFd);
  const proc = spawn(process.execPath, siblingArgs('udp-app', import.meta.url), { env: { ...process.env, ...env }, stdio });
  // The bare readers print no port (the bench gave them theirs): the first worker line is enough.
  const ready = new Promise<number>((resolve, reject) => {
    let port = 0;
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as { ev: string; port?: number };
      if (o.ev === 'port') port = o.port!;
      if (o.ev === 'worker') resolve(port);
    });
    proc.once('exit', () => reject(new Error(`${env.BENCH_TARGET} exited before it was ready`)));
  });
  return { proc, ready };
}

async function load(port: number): Promise<{ rate: number; byId: Record<string, number> }> {
  const l = spawn(process.execPath, [...siblingArgs('udp-load', import.meta.url), String(port), String(CLIENTS), String(MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  l.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((r) => l.once('exit', () => r()));
  return JSON.parse(out) as { rate: number; byId: Record<string, number> };
}

async function stopAll(procs: ChildProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => new Promise<void>((r) => {
    if (p.exitCode !== null || p.signalCode !== null) return r();
    p.once('exit', () => r());
    p.kill('SIGTERM');
  })));
}

async function measure(t: Target): Promise<{ rate: number; split: number }> {
  const procs: ChildProcess[] = [];
  let port: number;
  if (t === 'shared' || t === 'reuseport') {
    const first = native.bindUdp('127.0.0.1', 0, { reusePort: t === 'reuseport' });
    port = first.port;
    const readers = [0, 1].map((id) => (t === 'shared' || id === 0
      ? spawnApp({ BENCH_TARGET: 'reader', BENCH_ID: String(id), BENCH_FD: '3' }, first.fd)
      : spawnApp({ BENCH_TARGET: 'reader', BENCH_ID: String(id), BENCH_PORT: String(port) })));
    procs.push(...readers.map((r) => r.proc));
    await Promise.all(readers.map((r) => r.ready));
    native.close(first.fd); // the readers hold it now
  } else {
    const workers = t === 'ours-base' || t === 'ours-process' ? 2 : 1;
    const proc = spawn(process.execPath, siblingArgs('udp-app', import.meta.url), { env: { ...process.env, BENCH_TARGET: t, BENCH_WORKERS: '2' }, stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(proc);
    port = await appReady(proc, workers);
  }
  const r = await load(port);
  await stopAll(procs);
  const counts = Object.values(r.byId);
  const total = counts.reduce((a, b) => a + b, 0);
  return { rate: r.rate, split: counts.length < 2 ? 0 : Math.min(...counts) / total };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${Math.round(x * 100)} %`;
const targets: Target[] = ['ours-single', 'dgram', 'ours-base', 'ours-process', 'shared', 'reuseport'];
const res = Object.fromEntries(targets.map((t) => [t, { rate: [] as number[], split: [] as number[] }])) as Record<Target, { rate: number[]; split: number[] }>;
for (let i = 0; i < ROUNDS; i++) {
  for (let k = 0; k < targets.length; k++) {
    const t = targets[(i + k) % targets.length]!;
    const r = await measure(t);
    res[t].rate.push(r.rate);
    res[t].split.push(r.split);
  }
}
const m = (t: Target) => median(res[t].rate);
const s = (t: Target) => median(res[t].split);
console.log(`${CLIENTS} clients × 1 datagram in flight, 64 B, ${MS} ms, median of ${ROUNDS} rounds (replies/s; "smaller share" = the less busy reader's part of the replies)\n`);
console.log('| measure | ours | baseline | ours / baseline |');
console.log('|---|---|---|---|');
console.log(`| single process: Server onPacket + sendto vs node:dgram echo | ${fmt(m('ours-single'))} | ${fmt(m('dgram'))} | ${(m('ours-single') / m('dgram')).toFixed(2)} |`);
console.log(`| 2 workers: Server BASE (shared socket) vs 2 bare readers on a shared socket | ${fmt(m('ours-base'))} (smaller share ${pct(s('ours-base'))}) | ${fmt(m('shared'))} (smaller share ${pct(s('shared'))}) | ${(m('ours-base') / m('shared')).toFixed(2)} |`);
console.log(`| 2 workers: Server PROCESS (master reads, mode 2) vs 2 bare readers on a shared socket | ${fmt(m('ours-process'))} (smaller share ${pct(s('ours-process'))}) | ${fmt(m('shared'))} | ${(m('ours-process') / m('shared')).toFixed(2)} |`);
console.log(`| the BASE decision: 2 bare readers, shared socket vs SO_REUSEPORT group | ${fmt(m('shared'))} (smaller share ${pct(s('shared'))}) | ${fmt(m('reuseport'))} (smaller share ${pct(s('reuseport'))}) | ${(m('shared') / m('reuseport')).toFixed(2)} |`);
