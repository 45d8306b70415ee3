/**
 * Server tasks and pipe messages, ours (BASE and PROCESS) next to plain-Node baselines in one
 * run. Each target runs ROUNDS rounds: ours in one server (a start-up costs ~2 s with tsx, so
 * rounds run back to back in it), the baselines with fresh children each round:
 * 1. taskwait round trip, trivial onTask (worker_num 1, task_worker_num 1, sequential
 *    `await taskwait('x'+i, 1.0)` in the event worker) vs a process.send ping-pong with a forked
 *    child and an 8-byte ping-pong over a unix stream socket: median and p99 of every sample.
 * 2. task() + onFinish, 2 task workers, INFLIGHT outstanding: finishes/s, vs 2 process.send echo
 *    children with as many outstanding.
 * 3. sendMessage 1 KiB event worker 0 → 1 (worker_num 2, ack window), vs the same traffic
 *    relayed worker→parent→worker (node:cluster's path) with 'json' and 'advanced' serialization.
 * Real Swoole 6.2.1 numbers (swoole-observed.md, issue 7) are printed as reference rows; they are
 * means over 10k/20k calls, not medians, and were not measured in this run. Real Swoole runs here
 * only when `php -m` lists swoole (bench/swoole-tasks.php).
 * Env: SERVER_TASKS_ROUNDS (3), SERVER_TASKS_SAMPLES (10000), SERVER_TASKS_MS (1000),
 * SERVER_TASKS_INFLIGHT (500), SERVER_TASKS_COUNT (51200), SERVER_TASKS_ONLY (taskwait|task|message),
 * SERVER_TASKS_CPU_PROF (a directory: ours run with --cpu-prof there, master and workers).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Server } from '../reference/server/server.ts';
import { ACK, echoThroughput, pingIpc, pingUnix, relay, type PingResult } from './server-tasks-baselines.ts';

const ROUNDS = Number(process.env.SERVER_TASKS_ROUNDS ?? 3);
const SAMPLES = Number(process.env.SERVER_TASKS_SAMPLES ?? 10000);
const WARMUP = Math.max(500, Math.floor(SAMPLES / 10));
const MS = Number(process.env.SERVER_TASKS_MS ?? 1000);
const INFLIGHT = Number(process.env.SERVER_TASKS_INFLIGHT ?? 500);
const COUNT = Math.ceil(Number(process.env.SERVER_TASKS_COUNT ?? 51200) / ACK) * ACK;
const MSG_WARMUP = Math.ceil(COUNT / 4 / ACK) * ACK;
const ONLY = process.env.SERVER_TASKS_ONLY;
const PROF = process.env.SERVER_TASKS_CPU_PROF;
const appPath = fileURLToPath(new URL('./server-tasks-app.ts', import.meta.url));
const phpPath = fileURLToPath(new URL('./swoole-tasks.php', import.meta.url));

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => sorted(xs)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => sorted(xs)[Math.min(xs.length - 1, Math.ceil(xs.length * p) - 1)]!;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const us = (n: number): string => `${n.toFixed(1)} µs`;

type Mode = 'taskwait' | 'task' | 'message';
type Line = { ev: string; reason?: string; lat?: number[]; rate?: number; cpu?: { event: number; task: number } };

/** Why ours cannot run at all (the task API not merged yet), or null. */
function oursMissing(): string | null {
  const p = Server.prototype as unknown as Record<string, unknown>;
  const missing = ['task', 'taskwait', 'finish', 'sendMessage'].filter((m) => typeof p[m] !== 'function');
  if (missing.length === 0) return null;
  const head = spawnSync('git', ['log', '-1', '--format=%h'], { encoding: 'utf8' }).stdout.trim();
  return `reference Server has no ${missing.join('/')} yet (tree ${head})`;
}

/**
 * One run of our server: spawn the app in its own process group, take its first result or
 * error line, SIGTERM the master and wait for the whole tree. A run that hangs is killed after
 * a deadline and reported as an error.
 */
function runOurs(target: 'base' | 'process', mode: Mode): Promise<Line[]> {
  // Workers re-run the entry script with the master's execArgv, so they are profiled too.
  const execArgv = PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [];
  const env = {
    ...process.env, BENCH_TARGET: target, BENCH_MODE: mode, BENCH_WARMUP: String(mode === 'message' ? MSG_WARMUP : WARMUP),
    BENCH_SAMPLES: String(SAMPLES), BENCH_MS: String(MS), BENCH_INFLIGHT: String(INFLIGHT), BENCH_COUNT: String(COUNT),
    BENCH_REPEAT: String(ROUNDS),
  };
  const app = spawn(process.execPath, [...execArgv, '--import=tsx', appPath], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Warnings (e.g. 9007 "No idle task worker", rate-limited) are collected and listed once at the end.
  createInterface({ input: app.stderr! }).on('line', (s) => {
    if (s.includes('--trace-warnings')) return;
    const k = `${target} ${mode}: ${s.replace(/^\(node:\d+\) /, '')}`;
    stderrSeen.set(k, (stderrSeen.get(k) ?? 0) + 1);
  });
  return new Promise<Line[]>((resolve) => {
    const results: Line[] = [];
    let failure: Line | null = null;
    let done = false;
    const finish = (l?: Line): void => {
      if (l) failure ??= l;
      if (done) return;
      done = true;
      try {
        process.kill(app.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    const deadline = setTimeout(() => finish({ ev: 'error', reason: `${target} ${mode}: no result within 30 s` }), 30_000);
    // If the master ignores SIGTERM or a worker outlives it, the group goes after a grace period.
    let killer: NodeJS.Timeout | undefined;
    createInterface({ input: app.stdout! }).on('line', (s) => {
      let l: Line;
      try {
        l = JSON.parse(s) as Line;
      } catch {
        return; // a worker's stray output
      }
      if (l.ev === 'result') results.push(l);
      if (l.ev === 'error' || results.length === ROUNDS) {
        finish(l.ev === 'error' ? l : undefined);
        killer ??= setTimeout(() => {
          try {
            process.kill(-app.pid!, 'SIGKILL');
          } catch {
            // gone
          }
        }, 10_000);
      }
    });
    app.once('exit', (code, sig) => {
      clearTimeout(deadline);
      // Reap stragglers of the group (none expected: the master stops its tree on SIGTERM).
      try {
        process.kill(-app.pid!, 0);
        process.kill(-app.pid!, 'SIGKILL');
      } catch {
        // the group is empty
      }
      if (killer) clearTimeout(killer);
      if (!done) failure ??= { ev: 'error', reason: `${target} ${mode}: exited (${code ?? sig}) after ${results.length} of ${ROUNDS} results` };
      resolve(failure ? [failure] : results);
    });
  });
}

const stderrSeen = new Map<string, number>();

type Target<T> = { name: string; run: () => Promise<T[]> };

/** Every target's ROUNDS results, or why it has none. */
async function rounds<T>(targets: Target<T>[]): Promise<Map<string, T[] | string>> {
  const out = new Map<string, T[] | string>();
  for (const t of targets) {
    try {
      out.set(t.name, await t.run());
    } catch (e) {
      out.set(t.name, (e as Error).message);
    }
  }
  return out;
}

/** A baseline's ROUNDS rounds, one after another. */
function times<T>(name: string, once: () => Promise<T>): Target<T> {
  return {
    name,
    run: async () => {
      const xs: T[] = [];
      for (let i = 0; i < ROUNDS; i++) xs.push(await once());
      return xs;
    },
  };
}

const missing = oursMissing();
/** Ours as a round target: throws the app's reason so the row says "not available: reason". */
function ours<T>(target: 'base' | 'process', mode: Mode, pick: (l: Line) => T): Target<T> {
  return {
    name: `ours ${target.toUpperCase()}`,
    run: async () => {
      if (missing) throw new Error(missing);
      const ls = await runOurs(target, mode);
      if (ls[0]?.ev !== 'result') throw new Error(ls[0]?.reason ?? 'no result');
      return ls.map(pick);
    },
  };
}

const na = (reason: string): string => `not available: ${reason}`;
const want = (m: Mode): boolean => !ONLY || ONLY === m;

console.log(`rounds ${ROUNDS}; node ${process.version}; ${missing ? na(missing) : 'ours: reference Server task API'}`);

if (want('taskwait')) {
  const pick = (l: Line): PingResult => ({ lat: l.lat!, cpu: { caller: l.cpu!.event, callee: l.cpu!.task } });
  const res = await rounds<PingResult>([
    ours('base', 'taskwait', pick),
    ours('process', 'taskwait', pick),
    times('node process.send ping-pong (fork)', () => pingIpc(WARMUP, SAMPLES)),
    times('unix stream ping-pong (net, 2 processes)', () => pingUnix(WARMUP, SAMPLES)),
  ]);
  const med = new Map<string, number>();
  for (const [k, v] of res) if (typeof v !== 'string') med.set(k, median(v.map((r) => median(r.lat))));
  const ipc = med.get('node process.send ping-pong (fork)');
  const unix = med.get('unix stream ping-pong (net, 2 processes)');
  console.log(`\n### taskwait round trip, trivial onTask (${SAMPLES} sequential calls per round after ${WARMUP} warm-up; median of the round medians, p99 of all samples)\n`);
  console.log('| target | median | p99 | CPU per call: caller + callee | / process.send | / unix stream | / Swoole 39–61 µs | target ≤ 20 µs |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [k, v] of res) {
    if (typeof v === 'string') {
      console.log(`| ${k} | ${na(v)} | | | | | | |`);
      continue;
    }
    const m = med.get(k)!;
    const p99 = pct(v.flatMap((r) => r.lat), 0.99);
    const cpu = `${median(v.map((r) => r.cpu.caller)).toFixed(1)} + ${median(v.map((r) => r.cpu.callee)).toFixed(1)} µs`;
    const isOurs = k.startsWith('ours');
    const r = (b: number | undefined): string => (b ? `${(m / b).toFixed(2)}×` : '–');
    console.log(`| ${k} | ${us(m)} | ${us(p99)} | ${cpu} | ${r(ipc)} | ${r(unix)} | ${(m / 61).toFixed(2)}–${(m / 39).toFixed(2)}× | ${isOurs ? (m <= 20 ? 'met' : 'MISSED') : ''} |`);
  }
  console.log('| Swoole 6.2 (measured, from the issue) | 39–61 µs (means of 10k calls) | – | – | | | 1× | |');
  console.log(`\nround medians: ${[...res].map(([k, v]) => `${k}: ${typeof v === 'string' ? 'n/a' : v.map((x) => median(x.lat).toFixed(1)).join(', ')}`).join('; ')}`);
}

if (want('task')) {
  const res = await rounds<number>([
    ours('base', 'task', (l) => l.rate!),
    ours('process', 'task', (l) => l.rate!),
    times('node: 2 forked echo children (process.send)', () => echoThroughput(INFLIGHT, 300, MS)),
  ]);
  const swoole: Record<string, number> = { 'ours BASE': 141_000, 'ours PROCESS': 184_000 };
  const node = res.get('node: 2 forked echo children (process.send)');
  const nodeMed = typeof node === 'string' ? undefined : median(node!);
  console.log(`\n### task() + onFinish, 2 task workers, ${INFLIGHT} in flight (finishes/s over ${MS} ms, median of ${ROUNDS})\n`);
  console.log('| target | tasks/s | / node echo | / Swoole same mode | target ≥ 2× Swoole |');
  console.log('|---|---|---|---|---|');
  for (const [k, v] of res) {
    if (typeof v === 'string') {
      console.log(`| ${k} | ${na(v)} | | | |`);
      continue;
    }
    const m = median(v);
    const sw = swoole[k];
    console.log(`| ${k} | ${int(m)} | ${nodeMed ? `${(m / nodeMed).toFixed(2)}×` : '–'} | ${sw ? `${(m / sw).toFixed(2)}×` : ''} | ${sw ? (m >= 2 * sw ? 'met' : 'MISSED') : ''} |`);
  }
  console.log('| Swoole 6.2 (measured, from the issue) | BASE 141,000; PROCESS 184,000 (20k tasks each) | | 1× | |');
  console.log(`\nrounds: ${[...res].map(([k, v]) => `${k}: ${typeof v === 'string' ? 'n/a' : v.map(int).join(', ')}`).join('; ')}`);
}

if (want('message')) {
  const res = await rounds<number>([
    ours('base', 'message', (l) => l.rate!),
    ours('process', 'message', (l) => l.rate!),
    times("node relay worker→parent→worker (process.send, 'json')", () => relay('json', MSG_WARMUP, COUNT)),
    times("node relay worker→parent→worker (process.send, 'advanced')", () => relay('advanced', MSG_WARMUP, COUNT)),
  ]);
  const base = res.get("node relay worker→parent→worker (process.send, 'json')");
  const baseMed = typeof base === 'string' ? undefined : median(base!);
  console.log(`\n### sendMessage 1 KiB string, event worker 0 → 1 (${COUNT} messages after ${MSG_WARMUP}, ack every ${ACK}, ≤ 4096 unacked; median of ${ROUNDS})\n`);
  console.log("| target | msgs/s | / relay 'json' |");
  console.log('|---|---|---|');
  for (const [k, v] of res) {
    if (typeof v === 'string') console.log(`| ${k} | ${na(v)} | |`);
    else console.log(`| ${k} | ${int(median(v))} | ${baseMed ? `${(median(v) / baseMed).toFixed(2)}×` : '–'} |`);
  }
  console.log('| Swoole 6.2 | not measured for Server (Pool UNIXSOCK sendMessage: 445k–490k msg/s, swoole-observed.md) | |');
  console.log(`\nrounds: ${[...res].map(([k, v]) => `${k}: ${typeof v === 'string' ? 'n/a' : v.map(int).join(', ')}`).join('; ')}`);
}

if (stderrSeen.size) {
  console.log('\nstderr of ours (lines × runs):');
  for (const [k, n] of stderrSeen) console.log(`- ${k} (×${n})`);
}

// Real Swoole, when this machine has it.
const php = spawnSync('php', ['-m'], { encoding: 'utf8' });
if (php.error || !/^swoole$/im.test(php.stdout ?? '')) {
  console.log(`\nreal Swoole: not installed (${php.error ? 'no php' : 'php -m does not list swoole'})`);
} else {
  console.log('\n### real Swoole, this run (bench/swoole-tasks.php)\n');
  for (const mode of ['taskwait', 'task'] as const) for (const m of ['base', 'process'] as const) {
    const r = spawnSync('php', [phpPath, mode, m, String(SAMPLES)], { encoding: 'utf8', timeout: 60_000 });
    console.log(`- ${mode} ${m.toUpperCase()}: ${(r.stdout ?? '').trim() || `failed (${r.status ?? r.signal}) ${(r.stderr ?? '').trim().slice(0, 200)}`}`);
  }
}
