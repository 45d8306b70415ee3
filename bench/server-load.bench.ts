/**
 * Length-framed echo under a closed-loop load (bench/load/generator.ts, its own process, the
 * same for every server): 32 connections × 8 frames in flight and 64 × 1, 64-byte frames, echo
 * in onReceive. Ours (reference Server) vs a plain node cluster echo with batched writes, same
 * run, medians of ROUNDS, plus real Swoole's numbers measured on this kind of machine.
 * Env: LOAD_BENCH_ROUNDS (3), LOAD_BENCH_MS (1500), LOAD_BENCH_WORKERS (2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.env.LOAD_BENCH_ROUNDS ?? 3);
const MS = Number(process.env.LOAD_BENCH_MS ?? 1500);
const WORKERS = Number(process.env.LOAD_BENCH_WORKERS ?? 2);
const here = (f: string) => fileURLToPath(new URL(`./load/${f}`, import.meta.url));
const node = (args: string[]) => spawn(process.execPath, ['--import=tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });

/** Starts a server script and resolves with its port once `want` ready lines came (or null: unsupported). */
async function launch(args: string[], want: number): Promise<{ proc: ChildProcess; port: number } | { proc: ChildProcess; unsupported: string }> {
  const proc = node(args);
  const lines = createInterface({ input: proc.stdout! });
  let ready = 0;
  for await (const line of lines) {
    const [word, port, ...rest] = line.split(' ');
    if (word === 'unsupported') return { proc, unsupported: [port, ...rest].join(' ') };
    if (word === 'ready' && ++ready >= want) return { proc, port: Number(port) };
  }
  return { proc, unsupported: 'exited before ready' };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await once(proc, 'exit');
  clearTimeout(t);
}

async function load(port: number, conns: number, inflight: number): Promise<number> {
  const gen = node([here('generator.ts'), String(port), String(conns), String(inflight), '64', String(MS)]);
  let out = '';
  gen.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await once(gen, 'exit');
  return (JSON.parse(out.trim().split('\n').pop()!) as { perSec: number }).perSec;
}

interface Server {
  name: string;
  args: string[];
  ready: number;
}
const servers: Server[] = [
  { name: `ours BASE, ${WORKERS} workers`, args: [here('ours-echo.ts'), 'base', String(WORKERS)], ready: WORKERS },
  { name: 'ours BASE, 1 process', args: [here('ours-echo.ts'), 'base', '1'], ready: 1 },
  { name: `ours PROCESS, ${WORKERS} workers`, args: [here('ours-echo.ts'), 'process', String(WORKERS)], ready: WORKERS },
  { name: `node cluster echo, ${WORKERS} workers (baseline)`, args: [here('cluster-echo.ts'), String(WORKERS)], ready: 1 },
];
const loads = [
  { label: '32 conns × 8 in flight', conns: 32, inflight: 8 },
  { label: '64 conns × 1 in flight', conns: 64, inflight: 1 },
];

const results = new Map<string, number[] | string>();
for (let r = 0; r < ROUNDS; r++) {
  for (const s of servers) {
    for (const l of loads) {
      const key = `${s.name}|${l.label}`;
      if (typeof results.get(key) === 'string') continue;
      const up = await launch(s.args, s.ready);
      try {
        if ('unsupported' in up) {
          results.set(key, `n/a (${up.unsupported})`);
          continue;
        }
        const rate = await load(up.port, l.conns, l.inflight);
        const xs = (results.get(key) as number[] | undefined) ?? [];
        xs.push(rate);
        results.set(key, xs);
      } finally {
        await stop(up.proc);
      }
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const baseName = servers[servers.length - 1]!.name;
const swoole: Record<string, string> = {
  '32 conns × 8 in flight': 'Swoole 6.2.1 here: BASE 140k–168k, PROCESS 80k–91k',
  '64 conns × 1 in flight': 'Swoole 6.2.1 here: BASE 116k, PROCESS 54k (plain cluster 106k)',
};
for (const l of loads) {
  console.log(`\n### ${l.label}, 64-byte frames, ${MS} ms, median of ${ROUNDS} — ${swoole[l.label]}\n`);
  console.log('| server | frames/s | × baseline |');
  console.log('|---|---|---|');
  const base = results.get(`${baseName}|${l.label}`);
  for (const s of servers) {
    const v = results.get(`${s.name}|${l.label}`);
    if (typeof v === 'string' || v === undefined) {
      console.log(`| ${s.name} | ${v ?? 'n/a'} | — |`);
      continue;
    }
    const ratio = Array.isArray(base) ? (median(v) / median(base)).toFixed(2) : '—';
    console.log(`| ${s.name} | ${fmt(median(v))} | ${ratio} |`);
  }
}
