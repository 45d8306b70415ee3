/**
 * Server tasks and pipe messages, ours (BASE and PROCESS) next to plain-Node baselines in one
 * run, ROUNDS rounds in a rotating order (the machine is shared). Ours is one server per target
 * for the whole measure (a start-up costs ~2 s with tsx), driven round by round over a control
 * socket (server-tasks-ours.ts); the baselines start fresh children every round:
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
 * SERVER_TASKS_NOSPIN (1: an extra taskwait row for ours BASE with task_spin_us 0, the busy-poll off; 0 leaves it out),
 * SERVER_TASKS_CPU_PROF (a directory: ours run with --cpu-prof there, master and workers).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Server } from '../reference/server/server.ts';
import { ACK, echoThroughput, pingDatagram, pingIpc, pingUnix, relay, type PingResult } from './server-tasks-baselines.ts';
import { OursApp, type Answer } from './server-tasks-ours.ts';

const ROUNDS = Number(process.env.SERVER_TASKS_ROUNDS ?? 3);
const SAMPLES = Number(process.env.SERVER_TASKS_SAMPLES ?? 10000);
const WARMUP = Math.max(500, Math.floor(SAMPLES / 10));
const MS = Number(process.env.SERVER_TASKS_MS ?? 1000);
const INFLIGHT = Number(process.env.SERVER_TASKS_INFLIGHT ?? 500);
const COUNT = Math.ceil(Number(process.env.SERVER_TASKS_COUNT ?? 51200) / ACK) * ACK;
const MSG_WARMUP = Math.ceil(COUNT / 4 / ACK) * ACK;
const ONLY = process.env.SERVER_TASKS_ONLY;
const NOSPIN = process.env.SERVER_TASKS_NOSPIN !== '0';
const PROF = process.env.SERVER_TASKS_CPU_PROF;
const phpPath = fileURLToPath(new URL('./swoole-tasks.php', import.meta.url));

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => sorted(xs)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => sorted(xs)[Math.min(xs.length - 1, Math.ceil(xs.length * p) - 1)]!;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const us = (n: number): string => `${n.toFixed(1)} µs`;

type Mode = 'taskwait' | 'task' | 'message';

/** Why ours cannot run at all (the task API not merged yet), or null. */
function oursMissing(): string | null {
  const p = Server.prototype as unknown as Record<string, unknown>;
  const missing = ['task', 'taskwait', 'finish', 'sendMessage'].filter((m) => typeof p[m] !== 'function');
  if (missing.length === 0) return null;
  const head = spawnSync('git', ['log', '-1', '--format=%h'], { encoding: 'utf8' }).stdout.trim();
  return `reference Server has no ${missing.join('/')} yet (tree ${head})`;
}

const stderrSeen = new Map<string, number>();

/** Something measured round by round: start once, ROUNDS rounds, stop once. */
interface Target<T> {
  name: string;
  start(): Promise<void>;
  round(): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Every target's ROUNDS results, or why it has none. All targets start first (ours take ~2 s
 * each), then round i runs the targets from i on, wrapping, so none always goes first or last
 * on this shared machine.
 */
async function rounds<T>(targets: Target<T>[]): Promise<Map<string, T[] | string>> {
  const out = new Map<string, T[] | string>(targets.map((t) => [t.name, []]));
  const drop = async (t: Target<T>, e: unknown): Promise<void> => {
    out.set(t.name, (e as Error).message);
    await t.stop().catch(() => undefined);
  };
  // Started together: a start-up is mostly tsx compiling, which rounds never overlap with.
  await Promise.all(targets.map((t) => t.start().catch((e: unknown) => drop(t, e))));
  for (let i = 0; i < ROUNDS; i++) for (let k = 0; k < targets.length; k++) {
    const t = targets[(i + k) % targets.length]!;
    const got = out.get(t.name)!;
    if (typeof got === 'string') continue;
    try {
      got.push(await t.round());
    } catch (e) {
      await drop(t, e);
    }
  }
  for (const t of targets) if (typeof out.get(t.name) !== 'string') await t.stop();
  return out;
}

/** A plain-Node baseline: fresh children every round. */
function baseline<T>(name: string, round: () => Promise<T>): Target<T> {
  const nothing = (): Promise<void> => Promise.resolve();
  return { name, start: nothing, round, stop: nothing };
}

const missing = oursMissing();
/** One of our servers for the whole measure; a round's error line drops it with its reason. */
function ours<T>(target: 'base' | 'process', mode: Mode, pick: (a: Answer) => T, spinUs?: number): Target<T> {
  const env: Record<string, string> = {
    BENCH_TARGET: target, BENCH_MODE: mode, BENCH_WARMUP: String(mode === 'message' ? MSG_WARMUP : WARMUP),
    BENCH_SAMPLES: String(SAMPLES), BENCH_MS: String(MS), BENCH_INFLIGHT: String(INFLIGHT), BENCH_COUNT: String(COUNT),
  };
  if (spinUs !== undefined) env.BENCH_SPIN_US = String(spinUs);
  // Workers re-run the entry script with the master's execArgv, so they are profiled too.
  const execArgv = PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [];
  const app = new OursApp(`${target} ${mode}`, env, execArgv, stderrSeen);
  return {
    name: `ours ${target.toUpperCase()}${spinUs !== undefined ? `, task_spin_us ${spinUs} (busy-poll ${spinUs > 0 ? 'on' : 'off'})` : ''}`,
    start: () => (missing ? Promise.reject(new Error(missing)) : app.start()),
    round: async () => {
      const a = await app.round();
      if (a.ev !== 'result') throw new Error(a.reason ?? JSON.stringify(a));
      return pick(a);
    },
    stop: () => app.stop(),
  };
}

const na = (reason: string): string => `not available: ${reason}`;
const want = (m: Mode): boolean => !ONLY || ONLY === m;

console.log(`rounds ${ROUNDS}; node ${process.version}; ${missing ? na(missing) : 'ours: reference Server task API'}`);

if (want('taskwait')) {
  const pick = (a: Answer): PingResult => ({ lat: a.lat!, cpu: { caller: a.cpu!.event, callee: a.cpu!.task } });
  const res = await rounds<PingResult>([
    ours('base', 'taskwait', pick),
    ours('process', 'taskwait', pick),
    ...(NOSPIN ? [ours('base', 'taskwait', pick, 0)] : []),
    baseline('node process.send ping-pong (fork)', () => pingIpc(WARMUP, SAMPLES)),
    baseline('unix stream ping-pong (net, 2 processes)', () => pingUnix(WARMUP, SAMPLES)),
    baseline('addon datagram ping-pong (our transport, no server)', () => pingDatagram(WARMUP, SAMPLES)),
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
  // What the task layer adds on top of the bare transport it runs on.
  const raw = res.get('addon datagram ping-pong (our transport, no server)');
  if (typeof raw !== 'string' && raw) {
    const rawMed = med.get('addon datagram ping-pong (our transport, no server)')!;
    const rawCpu = median(raw.map((r) => r.cpu.caller + r.cpu.callee));
    for (const name of [...res.keys()].filter((k) => k.startsWith('ours'))) {
      const v = res.get(name);
      if (typeof v === 'string' || !v) continue;
      const cpu = median(v.map((r) => r.cpu.caller + r.cpu.callee));
      console.log(`${name} over the bare addon datagram ping-pong: median +${(med.get(name)! - rawMed).toFixed(1)} µs, CPU +${(cpu - rawCpu).toFixed(1)} µs per call (both sides)`);
    }
  }
}

if (want('task')) {
  const res = await rounds<number>([
    ours('base', 'task', (a) => a.rate!),
    ours('process', 'task', (a) => a.rate!),
    baseline('node: 2 forked echo children (process.send)', () => echoThroughput(INFLIGHT, 300, MS)),
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
    ours('base', 'message', (a) => a.rate!),
    ours('process', 'message', (a) => a.rate!),
    baseline("node relay worker→parent→worker (process.send, 'json')", () => relay('json', MSG_WARMUP, COUNT)),
    baseline("node relay worker→parent→worker (process.send, 'advanced')", () => relay('advanced', MSG_WARMUP, COUNT)),
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
