/**
 * The servers the server-tasks bench drives (ours; the master, manager and every worker run this
 * file). BENCH_REPEAT rounds run back to back in one server, one result line each.
 * BENCH_TARGET = base | process, BENCH_MODE:
 * - taskwait: worker_num 1, task_worker_num 1; event worker 0 runs BENCH_WARMUP + BENCH_SAMPLES
 *   sequential `await taskwait('x'+i, 1.0)` against an onTask that returns its data and prints
 *   every sample's round trip (µs);
 * - task: worker_num 1, task_worker_num 2; event worker 0 keeps BENCH_INFLIGHT task()s
 *   outstanding (dst -1), each onFinish sends the next; finishes/s over BENCH_MS per
 *   round after BENCH_WARMUP_MS;
 * - message: worker_num 2; worker 0 sendMessage()s 1 KiB strings to worker 1 with the same ack
 *   window as the plain-Node relay baseline (server-tasks-baselines.ts), msgs/s of BENCH_COUNT
 *   after BENCH_WARMUP.
 * Prints JSON lines: {"ev":"result",...} per round, {"ev":"error","reason"} when a call fails. The
 * bench SIGTERMs the master when it has the result.
 */
import { Server } from '../reference/server/server.ts';
import { SWOOLE_BASE, SWOOLE_PROCESS } from '../reference/constants.ts';
import { ACK, WINDOW } from './server-tasks-baselines.ts';

const target = process.env.BENCH_TARGET ?? 'base';
const mode = process.env.BENCH_MODE ?? 'taskwait';
const num = (k: string, d: number): number => Number(process.env[k] ?? d);
const say = (o: Record<string, unknown>): void => void process.stdout.write(JSON.stringify(o) + '\n');
/** Rounds measured in this one server (its start-up costs ~2 s, so rounds share it). */
const repeat = num('BENCH_REPEAT', 3);

const server = new Server('127.0.0.1', 0, target === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE);
server.set({ worker_num: mode === 'message' ? 2 : 1, task_worker_num: mode === 'taskwait' ? 1 : mode === 'task' ? 2 : 0 });
// A listening port is required; nobody connects.
server.on('receive', () => {});

/** Waits until task worker `dst` answers (it may still be booting), so no sample waits for a boot. */
async function ready(dst: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) if ((await server.taskwait('ready', 1.0, dst)) === 'ready') return true;
  say({ ev: 'error', reason: `task worker ${dst} never answered taskwait` });
  return false;
}

async function taskwaitRun(): Promise<void> {
  if (!(await ready(0))) return;
  const warmup = num('BENCH_WARMUP', 2000);
  const samples = num('BENCH_SAMPLES', 20000);
  let i = 0;
  /** One taskwait; false (after an error line) when it did not echo its data. */
  const call = async (): Promise<number | false> => {
    const t0 = performance.now();
    const r = await server.taskwait('x' + i, 1.0);
    const us = (performance.now() - t0) * 1000;
    if (r === 'x' + i++) return us;
    say({ ev: 'error', reason: `taskwait #${i - 1} returned ${JSON.stringify(r)} (lastError ${server.getLastError()})` });
    return false;
  };
  for (let k = 0; k < warmup; k++) if ((await call()) === false) return;
  const cpu = async (): Promise<[number, number]> => {
    const own = process.cpuUsage();
    const task = (await server.taskwait(CPU, 1.0)) as NodeJS.CpuUsage;
    return [own.user + own.system, task.user + task.system];
  };
  for (let round = 0; round < repeat; round++) {
    const lat: number[] = [];
    const [e0, t0] = await cpu();
    for (let k = 0; k < samples; k++) {
      const us = await call();
      if (us === false) return;
      lat.push(Math.round(us * 100) / 100);
    }
    // CPU per call on each side (user+system): what the code costs, apart from waiting.
    const [e1, t1] = await cpu();
    say({ ev: 'result', lat, cpu: { event: (e1 - e0) / samples, task: (t1 - t0) / samples } });
  }
}

let counting = false;
let running = true;
let finished = 0;
let next = 0;
function sendTask(): void {
  if (server.task('x' + next++) === false) {
    running = false;
    say({ ev: 'error', reason: `task() returned false (lastError ${server.getLastError()})` });
  }
}

async function taskRun(): Promise<void> {
  if (!(await ready(0)) || !(await ready(1))) return;
  const inflight = num('BENCH_INFLIGHT', 500);
  for (let i = 0; i < inflight && running; i++) sendTask();
  await new Promise((r) => setTimeout(r, num('BENCH_WARMUP_MS', 300)));
  counting = true;
  for (let round = 0; round < repeat && running; round++) {
    finished = 0;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, num('BENCH_MS', 1000)));
    say({ ev: 'result', rate: (finished / (performance.now() - t0)) * 1000 });
  }
  counting = false;
  running = false;
}

// message: worker 0 is the sender (A), worker 1 the receiver (B). Either may start first, so
// each greets the other on start and B answers a greeting: A starts on the first 'ready'.
const KiB = 'a'.repeat(1024);
let started = false;
let sent = 0;
let acked = 0;
let total = 0;
let t0 = 0;
let phase = 0;
let got = 0;
function pump(): void {
  while (sent < total && sent - acked < WINDOW) {
    if (!server.sendMessage(KiB, 1)) {
      say({ ev: 'error', reason: `sendMessage returned false (lastError ${server.getLastError()})` });
      total = sent;
      return;
    }
    sent++;
  }
}
function startPhase(n: number): void {
  total += n;
  t0 = performance.now();
  pump();
}

server.on('workerStart', (s: Server, id: number) => {
  if (s.taskworker) return;
  if (mode === 'taskwait' && id === 0) void taskwaitRun();
  if (mode === 'task' && id === 0) void taskRun();
  if (mode === 'message') s.sendMessage(id === 0 ? 'hello' : 'ready', id === 0 ? 1 : 0);
});
/** A taskwait for this returns the task worker's process.cpuUsage() (taskwait mode's accounting). */
const CPU = 'cpu?';
server.on('task', (_s: Server, _taskId: number, _src: number, data: unknown) => (data === CPU ? process.cpuUsage() : data));
server.on('finish', () => {
  if (counting) finished++;
  if (running) sendTask();
});
server.on('pipeMessage', (s: Server, _src: number, m: unknown) => {
  if (s.worker_id === 1) {
    if (m === 'hello') s.sendMessage('ready', 0);
    else if (typeof m === 'string' && m.length === 1024 && ++got % ACK === 0) s.sendMessage(got, 0);
    return;
  }
  if (m === 'ready') {
    if (!started) startPhase(num('BENCH_WARMUP', 25600));
    started = true;
    return;
  }
  acked = m as number;
  if (acked < total) return pump();
  if (phase > 0) say({ ev: 'result', rate: num('BENCH_COUNT', 102400) / ((performance.now() - t0) / 1000) });
  if (phase++ < repeat) startPhase(num('BENCH_COUNT', 102400));
});

await server.start();
