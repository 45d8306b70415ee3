/**
 * RSS per Pool worker (VmRSS from /proc/<pid>/status of each worker and of the standby, once
 * idle) vs a bare `node -e` child, and vs a bare child that loads tsx (what every worker
 * re-running a .ts entry script pays), same run, medians of ROUNDS.
 */
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { siblingArgs } from '../conformance/runner/compiled.ts';
import { join } from 'node:path';
import { packageRoot } from '../reference/package-root.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SETTLE_MS = 500;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS));

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function pool(): Promise<{ workers: number[]; standby: number[] }> {
  const child = spawn(process.execPath, siblingArgs('pool-app', import.meta.url), { env: { ...process.env, BENCH_MODE: 'idle' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = new Set<number>();
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as { ev: string; pid: number };
      if (o.ev === 'start' && pids.add(o.pid).size === 2) resolve();
    });
  });
  await settle(); // the standby boots alongside the workers; let the heaps settle
  const all = childrenOf(child.pid!);
  const workers = [...pids].map(rssKiB);
  const standby = all.filter((p) => !pids.has(p)).map(rssKiB);
  await stop(child);
  return { workers, standby };
}

async function bare(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  await settle();
  const kib = rssKiB(child.pid!);
  await stop(child);
  return kib;
}

// The tsx baseline runs the TypeScript source, wherever this bench runs from.
const idleTs = join(packageRoot, 'bench', 'pool-idle.ts');
const workers: number[] = [];
const standby: number[] = [];
const node: number[] = [];
const nodeTsx: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const p = await pool();
  workers.push(...p.workers);
  standby.push(...p.standby);
  node.push(await bare(['-e', 'setInterval(() => {}, 1 << 30)']));
  nodeTsx.push(await bare(['--import=tsx', idleTs]));
}
const mib = (k: number): string => `${(k / 1024).toFixed(1)} MiB`;
const w = median(workers);
const n = median(node);
console.log('| measure | ours | baseline | ratio |');
console.log('|---|---|---|---|');
console.log(`| RSS per worker, UNIXSOCK, idle (median of ${workers.length}) | ${mib(w)} | bare \`node -e\` child ${mib(n)} | ${(w / n).toFixed(2)}× |`);
if (standby.length) console.log(`| RSS of the standby (median of ${standby.length}) | ${mib(median(standby))} | bare \`node -e\` child ${mib(n)} | ${(median(standby) / n).toFixed(2)}× |`);
console.log(`| (context) bare child with tsx loaded, idle .ts | ${mib(median(nodeTsx))} | bare \`node -e\` child ${mib(n)} | ${(median(nodeTsx) / n).toFixed(2)}× |`);
