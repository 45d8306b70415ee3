/**
 * The servers the server-tasks bench drives (ours; the master, manager and every worker run this
 * file). Event worker 0 connects to the bench's control socket (BENCH_CTL, a unix socket path)
 * once the server is ready, says {"ev":"hello"}, and then runs one round per "go" line it reads,
 * answering one JSON line per round ({"ev":"result",...} or {"ev":"error","reason"}). So one
 * server start serves every round, and the bench can interleave rounds of different targets.
 * The bench SIGTERMs the master at the end.
 * BENCH_TARGET = base | process, BENCH_SPIN_US (task_spin_us, unset: the default 50), BENCH_MODE:
 * - taskwait: worker_num 1, task_worker_num 1; BENCH_SAMPLES sequential
 *   `await taskwait('x'+i, 1.0)` against an onTask that returns its data (BENCH_WARMUP more
 *   before the first round); every round trip (µs) and the CPU per call of both processes;
 * - task: worker_num 1, task_worker_num 2; BENCH_INFLIGHT task()s outstanding (dst -1), each
 *   onFinish sends the next; finishes/s over BENCH_MS after BENCH_WARMUP_MS;
 * - message: worker_num 2; worker 0 sendMessage()s 1 KiB strings to worker 1 with the ack window
 *   of the plain-Node relay baseline (server-tasks-baselines.ts): msgs/s of BENCH_COUNT messages
 *   (BENCH_WARMUP more before the first round).
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { Server } from '../reference/server/server.ts';
import { SWOOLE_BASE, SWOOLE_PROCESS } from '../reference/constants.ts';
import { ACK, WINDOW } from './server-tasks-baselines.ts';

const target = process.env.BENCH_TARGET ?? 'base';
const mode = process.env.BENCH_MODE ?? 'taskwait';
const num = (k: string, d: number): number => Number(process.env[k] ?? d);
type Answer = Record<string, unknown>;
const fail = (reason: string): Answer => ({ ev: 'error', reason });

const server = new Server('127.0.0.1', 0, target === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE);
server.set({ worker_num: mode === 'message' ? 2 : 1, task_worker_num: mode === 'taskwait' ? 1 : mode === 'task' ? 2 : 0 });
// BENCH_SPIN_US: ours' adaptive busy-poll of the inbox (task_spin_us, 50 µs by default; 0 turns it off).
if (process.env.BENCH_SPIN_US) server.set({ task_spin_us: Number(process.env.BENCH_SPIN_US) });
// A listening port is required; nobody connects.
server.on('receive', () => {});

/** Serves the bench's "go" lines with `round` (one at a time, in order). */
function serveRounds(round: () => Promise<Answer>): void {
  const ctl = net.connect(process.env.BENCH_CTL!);
  let queue = Promise.resolve();
  const answer = (o: Answer): void => void ctl.write(JSON.stringify(o) + '\n');
  createInterface({ input: ctl }).on('line', (l) => {
    if (l === 'go') queue = queue.then(() => round().then(answer, (e: Error) => answer(fail(e.message))));
  });
  ctl.on('error', () => {}); // the bench went away: the master gets SIGTERM anyway
  answer({ ev: 'hello' });
}

// ---- taskwait ----

/** A taskwait for this returns the task worker's process.cpuUsage() (the CPU accounting). */
const CPU = 'cpu?';

/** Waits until task worker `dst` answers (it may still be booting), so no sample waits for a boot. */
async function ready(dst: number): Promise<void> {
  for (let i = 0; i < 20; i++) if ((await server.taskwait('ready', 1.0, dst)) === 'ready') return;
  throw new Error(`task worker ${dst} never answered taskwait`);
}

let seq = 0;
/** One taskwait round trip in µs; throws when it did not echo its data. */
async function call(): Promise<number> {
  const data = 'x' + seq++;
  const t0 = performance.now();
  const r = await server.taskwait(data, 1.0);
  const us = (performance.now() - t0) * 1000;
  if (r !== data) throw new Error(`taskwait(${data}) returned ${JSON.stringify(r)} (lastError ${server.getLastError()})`);
  return us;
}

/** CPU (user+system, µs) so far of this process and of the task worker. */
async function cpu(): Promise<[number, number]> {
  const own = process.cpuUsage();
  const task = (await server.taskwait(CPU, 1.0)) as NodeJS.CpuUsage;
  return [own.user + own.system, task.user + task.system];
}

async function taskwaitRound(): Promise<Answer> {
  const samples = num('BENCH_SAMPLES', 10000);
  const lat: number[] = [];
  const [e0, t0] = await cpu();
  for (let k = 0; k < samples; k++) lat.push(Math.round((await call()) * 100) / 100);
  const [e1, t1] = await cpu();
  return { ev: 'result', lat, cpu: { event: (e1 - e0) / samples, task: (t1 - t0) / samples } };
}

// ---- task() + onFinish ----

let counting = false;
let pumping = false;
let outstanding = 0;
let finished = 0;
let taskError = '';
let settled: (() => void) | null = null;
function sendTask(): void {
  if (server.task('x' + seq++) === false) {
    pumping = false;
    taskError = `task() returned false (lastError ${server.getLastError()})`;
  } else outstanding++;
}
server.on('finish', () => {
  outstanding--;
  if (counting) finished++;
  if (pumping) sendTask();
  else if (outstanding === 0) settled?.();
});

async function taskRound(): Promise<Answer> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  pumping = true;
  taskError = '';
  for (let i = 0; i < num('BENCH_INFLIGHT', 500) && pumping; i++) sendTask();
  await sleep(num('BENCH_WARMUP_MS', 300));
  finished = 0;
  counting = true;
  const t0 = performance.now();
  await sleep(num('BENCH_MS', 1000));
  const rate = (finished / (performance.now() - t0)) * 1000;
  counting = false;
  pumping = false;
  // Let what is in flight come back, so the next target's round starts on a quiet machine.
  if (outstanding > 0) await new Promise<void>((r) => (settled = r));
  settled = null;
  return taskError ? fail(taskError) : { ev: 'result', rate };
}

// ---- sendMessage: worker 0 is the sender, worker 1 the receiver (acks every ACK) ----

const KiB = 'a'.repeat(1024);
let sent = 0;
let acked = 0;
let total = 0;
let got = 0;
let phaseDone: ((err?: string) => void) | null = null;
function pump(): void {
  while (sent < total && sent - acked < WINDOW) {
    if (!server.sendMessage(KiB, 1)) return phaseDone?.(`sendMessage returned false (lastError ${server.getLastError()})`);
    sent++;
  }
}
/** Sends `n` more messages; resolves with the time until the last is acked (ms). */
function phase(n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    phaseDone = (err) => (err ? reject(new Error(err)) : resolve(performance.now() - t0));
    total += n;
    pump();
  });
}
let warmedUp = false;
async function messageRound(): Promise<Answer> {
  if (!warmedUp) await phase(num('BENCH_WARMUP', 12800));
  warmedUp = true;
  const n = num('BENCH_COUNT', 51200);
  return { ev: 'result', rate: n / ((await phase(n)) / 1000) };
}

// Either message worker may start first: each greets the other, worker 1 answers a greeting, and
// worker 0 takes the first 'ready' as the sign that worker 1 is there.
let peerReady = false;
server.on('pipeMessage', (s: Server, _src: number, m: unknown) => {
  if (s.worker_id === 1) {
    if (m === 'hello') s.sendMessage('ready', 0);
    else if (typeof m === 'string' && m.length === 1024 && ++got % ACK === 0) s.sendMessage(got, 0);
    return;
  }
  if (m === 'ready') {
    if (!peerReady) serveRounds(messageRound);
    peerReady = true;
    return;
  }
  acked = m as number;
  if (acked < total) pump();
  else phaseDone?.();
});

server.on('workerStart', (s: Server, id: number) => {
  if (s.taskworker) return;
  if (mode === 'message') {
    s.sendMessage(id === 0 ? 'hello' : 'ready', id === 0 ? 1 : 0);
    return;
  }
  if (id !== 0) return;
  void (async () => {
    try {
      await ready(0);
      if (mode === 'task') await ready(1);
      else for (let k = 0; k < num('BENCH_WARMUP', 1000); k++) await call();
    } catch (e) {
      serveRounds(() => Promise.resolve(fail((e as Error).message)));
      return;
    }
    serveRounds(mode === 'task' ? taskRound : taskwaitRound);
  })();
});
server.on('task', (_s: Server, _taskId: number, _src: number, data: unknown) => (data === CPU ? process.cpuUsage() : data));

await server.start();
