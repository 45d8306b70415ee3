/**
 * Task workers, pipe messages, user processes and commands on live servers (fixtures/tasks-app.ts).
 * Rules: S9, S14–S24, S40, S41, S44; observed f, h11–h13. The conformance cases in
 * conformance/cases/server-tasks check the same rules through the adapter protocol.
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { EventApp, type AppEvent } from '../event-app.ts';
import { FrameClient, reaped } from './mp-harness.ts';
import { ErrorCode } from '../../reference/errors.ts';
import {
  SWOOLE_SERVER_COMMAND_EVENT_WORKER as EVENT, SWOOLE_SERVER_COMMAND_MANAGER as MANAGER, SWOOLE_SERVER_COMMAND_MASTER as MASTER,
  SWOOLE_SERVER_COMMAND_TASK_WORKER as TASK,
} from '../../reference/server/messaging.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/tasks-app.ts', import.meta.url));

class TaskApp extends EventApp {
  constructor(t: Test, env: Record<string, string>, stdin = false) {
    super(t, FIXTURE, { ...process.env, ...env }, { waitMs: 20000, stdin, teardown: () => reaped(this.events.map((e) => e.pid)) });
  }

  async port(): Promise<number> {
    return (await this.wait((e) => e.ev === 'ManagerStart')).port as number;
  }

  /** Events named `ev` seen so far, optionally filtered. */
  all(ev: string, match: (e: AppEvent) => boolean = () => true): AppEvent[] {
    return this.events.filter((e) => e.ev === ev && match(e));
  }

  async stop(): Promise<AppEvent> {
    process.kill(this.proc.pid!, 'SIGTERM');
    const r = await this.wait((e) => e.ev === 'Return');
    await this.exited;
    return r;
  }
}

type R = Record<string, unknown>;
const req = (c: FrameClient, verb: string, arg?: unknown): Promise<R> => c.json<R>(arg === undefined ? verb : `${verb}:${JSON.stringify(arg)}`);

/** Sends a request whose reply and one more frame (in either order) come back; returns both, parsed. */
async function twoFrames(c: FrameClient, verb: string, arg: unknown): Promise<R[]> {
  c.send(`${verb}:${JSON.stringify(arg)}`);
  return [JSON.parse(await c.next()) as R, JSON.parse(await c.next()) as R];
}

t.test('BASE, 1 event worker + 3 task workers: tasks, results, waits, payloads, commands from worker 0', async (t) => {
  const app = new TaskApp(t, { SRV_MODE: 'base', SRV_WORKERS: '1', SRV_TASK_WORKERS: '3', SRV_COMMANDS: '1' });
  const started = await app.started(4);
  const port = await app.port();

  // clause:server-tasks.ids.ranges — event workers first, then task workers; taskworker flag.
  t.same(started.map((e) => [e.id, e.taskworker, e.wid]), [[0, false, 0], [1, true, 1], [2, true, 2], [3, true, 3]], 'ids 0 | 1..3, taskworker only in task workers');
  // clause:server-tasks.task.in-task-worker — task() inside a task worker is refused (503).
  for (const e of started.slice(1)) t.same([e.taskInTaskWorker, e.err], [false, ErrorCode.PHP_FATAL_ERROR], `task() in task worker ${e.id}: false, 503`);
  // clause:server-tasks.task.one-way — the manager's task runs (src -1) and finishes nowhere.
  const fromManager = await app.wait((e) => e.ev === 'Task' && (e.data as R)?.from === 'manager');
  t.equal(fromManager.src, -1, "the manager's task has src -1");

  const c = await FrameClient.connect(t, port);
  // clause:server-tasks.task.ids clause:server-tasks.task.deliver — a per-process counter from 0, shared by task/taskwait/...
  const first = await req(c, 'task', { data: { op: 'who' } });
  t.equal(first.id, 0, 'the first task() of the worker has id 0');
  const fin = await app.wait((e) => e.ev === 'Finish' && e.taskId === 0);
  t.equal(fin.id, 0, 'onFinish runs in the calling worker');
  t.equal((fin.data as R).src, 0, 'onTask saw src_worker_id 0');
  t.ok([1, 2, 3].includes((fin.data as R).wid as number), 'and ran in a task worker');
  const second = await req(c, 'task', { data: { op: 'who' }, dst: 2 });
  t.equal(second.id, 1, 'the next id is 1');
  t.equal(((await app.wait((e) => e.ev === 'Finish' && e.taskId === 1)).data as R).wid, 3, 'dst is the task-worker index: dst 2 runs in worker 3');
  // clause:server-tasks.task.dst-range clause:server-tasks.task.dst-index — dst past the task workers.
  t.same(await req(c, 'task', { data: 1, dst: 3 }), { id: false, err: ErrorCode.INVALID_PARAMS }, 'dst >= task_worker_num: false, 505');
  // clause:server-tasks.task.callback — a per-task callback replaces onFinish.
  const cb = await req(c, 'task-cb', { data: { op: 'who' } });
  const called = await app.wait((e) => e.ev === 'TaskCallback' && e.taskId === cb.id);
  t.equal((called.data as R).taskworker, true, 'the callback gets the result');
  // clause:server-tasks.task.finish-many clause:server-tasks.task.return-finishes — each finish() and the return value reach onFinish.
  const multi = await req(c, 'task', { data: { op: 'multi' }, dst: 0 });
  await app.wait((e) => e.ev === 'Finish' && e.taskId === multi.id && e.data === 'C');
  t.same(app.all('Finish', (e) => e.taskId === multi.id).map((e) => e.data), ['A', 'B', 'C'], 'finish A, finish B, return C: three onFinish');
  const fnull = await req(c, 'task', { data: { op: 'finish-null' }, dst: 0 });
  // The next result of the same task worker comes after anything of the previous task.
  const fence = await req(c, 'task', { data: { op: 'who' }, dst: 0 });
  await app.wait((e) => e.ev === 'Finish' && e.taskId === fence.id);
  t.same(app.all('Finish', (e) => e.taskId === fnull.id).map((e) => e.data), ['A'], 'finish A then return null: one onFinish');
  t.ok(app.all('Finish', (e) => e.taskId === cb.id).length === 0, 'the callback task never reached onFinish');

  // clause:server-tasks.taskwait.result clause:server-tasks.taskwait.timeout — first result; false on timeout; late result dropped.
  const tw = await req(c, 'taskwait', { data: { op: 'multi' }, dst: 1 });
  t.equal(tw.r, 'A', 'taskwait returns the first finish()');
  const late = await req(c, 'taskwait', { data: { op: 'sleep', ms: 400, v: 'late' }, timeout: 0.1, dst: 1 });
  t.same([late.r, late.err], [false, ErrorCode.TASK_TIMEOUT], 'timed out: false, 2003');
  t.ok((late.ms as number) >= 95 && (late.ms as number) < 400, `after the timeout, not the task (${String(late.ms)} ms)`);
  const next = await req(c, 'taskwait', { data: { op: 'sleep', ms: 0, v: 'next' }, timeout: 3, dst: 1 });
  t.same(next.r, { v: 'next', wid: 2 }, 'the next taskwait gets its own result, not the late one');
  const none = await req(c, 'taskwait', { data: { op: 'none' }, timeout: 0.2 });
  t.equal(none.r, false, 'onTask returning nothing: taskwait times out');
  const asyncR = await req(c, 'taskwait', { data: { op: 'async', ms: 20, v: 7 }, timeout: 2 });
  t.same((asyncR.r as R).async, true, "an async onTask's resolved value is the result");
  t.equal(app.all('Finish', (e) => e.data === 'B' || (e.data as R)?.v === 'late').length, 1, "taskwait's extra and late results never reached onFinish (only the task() multi's B did)");

  // clause:server-tasks.taskwait.multi clause:server-tasks.taskwait.co — taskWaitMulti omits, taskCo keeps false in place.
  const tasks = [{ op: 'sleep', ms: 0, v: 0 }, { op: 'sleep', ms: 600, v: 1 }, { op: 'sleep', ms: 0, v: 2 }];
  const twm = await req(c, 'taskWaitMulti', { tasks, timeout: 0.3 });
  t.same(Object.keys(twm.r as R), ['0', '2'], 'taskWaitMulti: the slow one is absent');
  t.same([(twm.r as R)['0'], (twm.r as R)['2']].map((x) => (x as R).v), [0, 2], 'keyed by input position');
  // Let the sleeper finish before the next batch (a result of the same worker comes after it).
  await req(c, 'taskwait', { data: { op: 'sleep', ms: 0 }, timeout: 3, dst: Number(((twm.r as R)['0'] as R).wid) - 1 });
  await new Promise<void>((resolve) => {
    const poll = async (): Promise<void> => ((await req(c, 'stats')).task_idle_worker_num === 3 ? resolve() : void setImmediate(poll));
    void poll();
  });
  const co = await req(c, 'taskCo', { tasks, timeout: 0.3 });
  t.same((co.r as unknown[]).map((x) => (x === false ? false : (x as R).v)), [0, false, 2], 'taskCo: false in place');
  t.same(await req(c, 'taskWaitMulti', { tasks: Array.from({ length: 1024 }, () => 1) }), { r: false }, '1024 tasks: false');

  // clause:server-tasks.payload.large clause:server-tasks.payload.structured — structured values and long payloads, nothing lost.
  // onTask returns non-plain values as they came (fixture): the result shows what arrived.
  const echo = async (arg: R): Promise<unknown> => (await req(c, 'taskwait', { ...arg, timeout: 5 })).r;
  t.same(await echo({ kind: 'buffer' }), { buffer: '000102ff' }, 'a Buffer arrives as a Buffer');
  t.same(await echo({ kind: 'map' }), { map: [['k', 1], [2, { deep: [1, { bigint: '2' }] }]] }, 'a Map with a bigint inside');
  t.same(await echo({ kind: 'date' }), { date: '1970-01-01T00:00:00.000Z' }, 'a Date');
  const n = 3 * 1024 * 1024 + 7;
  t.same(await echo({ kind: 'long', n }), { long: n, head: 'zzzzzzzz', tail: 'zzzzzzzz' }, '3 MiB string to a task worker');
  const bigBack = await req(c, 'taskwait', { data: { op: 'big', n: 2_000_003 }, timeout: 5 });
  t.same(bigBack.r, { long: 2_000_003, head: 'yyyyyyyy', tail: 'yyyyyyyy' }, '2 MB result back');

  // clause:server-tasks.pipe.deliver clause:server-tasks.pipe.self clause:server-tasks.pipe.invalid-id — worker → task worker; finish() refused inside onPipeMessage.
  t.equal((await req(c, 'send', { data: 'to-task', dst: 2 })).ok, true, 'sendMessage to task worker 2: true');
  const pipe = await app.wait((e) => e.ev === 'Pipe' && e.msg === 'to-task');
  t.same([pipe.id, pipe.src, pipe.taskworker, pipe.finishInPipe], [2, 0, true, false], 'onPipeMessage in task worker 2 from 0; finish() there is false');
  t.same((await req(c, 'send', { data: 'self', dst: 0 })).ok, false, 'to itself: false');
  t.same(await req(c, 'send', { data: 'x', dst: 4 }), { ok: false, err: ErrorCode.INVALID_PARAMS }, 'past the task workers: false, 505');
  await req(c, 'taskwait', { data: { op: 'pipe-from-task', v: 0 }, timeout: 2, dst: 0 });
  const fromTask = await app.wait((e) => e.ev === 'Pipe' && (e.msg as R)?.from === 'task');
  t.same([fromTask.id, fromTask.src], [0, 1], 'task worker 1 → event worker 0');
  t.same(await req(c, 'finish'), { ok: false }, 'finish() in an event worker: false');

  // clause:server-tasks.task.send-from-task — a task worker's send()/close() reach the connection through its owner.
  {
    const fd = (await req(c, 'who')).fd as number;
    const frames = await twoFrames(c, 'taskwait', { data: { op: 'reply', v: fd }, timeout: 3 });
    const pushed = frames.find((f) => 'fromTask' in f);
    const answer = frames.find((f) => 'r' in f);
    t.ok(pushed && typeof pushed.fromTask === 'number' && (pushed.fromTask as number) >= 1, `the task worker's frame arrived (${JSON.stringify(pushed)})`);
    t.same(((answer?.r as R) ?? {}).sent, true, 'its send() answered true');
    const other = await FrameClient.connect(t, port);
    const ofd = (await req(other, 'who')).fd as number;
    await req(c, 'taskwait', { data: { op: 'close', v: ofd }, timeout: 3 });
    t.equal(await other.ended, 'end', "the task worker's close() closed the other connection");
  }
  // clause:server-tasks.task.idle — task counters.
  const st = await req(c, 'stats');
  t.same([st.task_worker_num, st.user_worker_num, st.tasking_num], [3, 0, 0], 'task_worker_num 3, no user processes, nothing queued');
  t.ok((st.task_count as number) >= 25, `task_count counts the tasks run (${String(st.task_count)})`);

  // clause:server-tasks.command.call clause:server-tasks.command.errors clause:server-tasks.command.add — BASE: worker 0 is the master.
  const cmd = async (...args: unknown[]): Promise<R> => req(c, 'command', { data: args });
  const m = await cmd('getpid', 0, MASTER, { type: 'master' });
  t.same(m.r, { pid: started[0]!.pid, wid: 0, data: '{"type":"master"}' }, 'MASTER runs in worker 0, data JSON-encoded');
  t.same(((await cmd('getpid', 1, TASK, 'w')).r as R).wid, 2, 'TASK_WORKER id 1 is task worker 2');
  t.same(((await cmd('getpid', 0, MANAGER, null)).r as R).wid, false, 'MANAGER runs in the manager');
  t.same(await cmd('getpid', 0, EVENT, null), { r: false, err: ErrorCode.OPERATION_NOT_SUPPORT }, 'worker 0 to itself: false, 507');
  t.same(await cmd('nosuch', 0, TASK, null), { r: false, err: ErrorCode.SERVER_INVALID_COMMAND }, 'unknown: false, 9012');
  t.same(await cmd('taskonly', 0, EVENT, null), { r: false, err: ErrorCode.OPERATION_NOT_SUPPORT }, 'type not registered: false, 507');
  t.same(await cmd('getpid', 3, TASK, null), { r: false, err: ErrorCode.INVALID_PARAMS }, 'no such task worker: false, 505');
  t.same((await cmd('taskonly', 2, TASK, null, false)).r, 'plain text', 'json_decode false: the raw string');
  t.same((await cmd('taskonly', 2, TASK, null)).r, false, 'non-JSON reply decoded: false');
  const added = app.all('AddCommand')[0]!;
  t.same([added.ok, added.dup, added.bad], [true, false, true], 'addCommand: true, the same name again false');

  t.same((await app.stop()).ret, true, 'start() returned true');
});

t.test('PROCESS, 2 event workers + 1 task worker + 2 user processes: messages, commands from the master, reloads, shutdown order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'swc-tasks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const app = new TaskApp(t, { SRV_MODE: 'process', SRV_WORKERS: '2', SRV_TASK_WORKERS: '1', SRV_USER: '1', SRV_COMMANDS: '1', SRV_STDIN: '1', SRV_MARKER: join(dir, 'b-ran') }, true);
  const started = await app.started(3);
  const port = await app.port();

  // clause:server-tasks.process.add — ids after the task workers; worker_id -1; uses the server.
  const a = await app.wait((e) => e.ev === 'UserStart' && e.name === 'A');
  t.same([a.id, a.wid, a.getWorkerId, a.manager], [3, -1, false, app.proc.pid], 'A: id 3 = 2 + 1 + 0, worker_id -1, getWorkerId false, manager is its manager');
  const did = await app.wait((e) => e.ev === 'UserDid');
  t.same([did.sent, did.toSelf, did.task, did.userWorkers], [true, false, 1, 2], 'sendMessage true (takes id 0, S16), to -1 false, task id 1, user_worker_num 2');
  const pipeFromUser = await app.wait((e) => e.ev === 'Pipe' && (e.msg as R)?.from === 'A');
  t.same([pipeFromUser.id, pipeFromUser.src], [0, 3], 'onPipeMessage in worker 0 with src 3');
  const taskFromUser = await app.wait((e) => e.ev === 'Task' && (e.data as R)?.from === 'user');
  t.equal(taskFromUser.src, 3, "the user process's one-way task has src 3");
  // clause:server-tasks.process.respawn clause:server-tasks.worker-error.task-workers — B exits 3 on its first run: onWorkerError, then again.
  const err = await app.wait((e) => e.ev === 'WorkerError' && e.id === 4);
  t.same([err.code, err.signal], [3, 0], 'onWorkerError(4, pid, 3, 0)');
  await app.wait((e) => e.ev === 'UserStart' && e.name === 'B' && e.first === false);

  // clause:server-tasks.pipe.deliver clause:server-tasks.pipe.self clause:server-tasks.pipe.invalid-id — between event workers (PROCESS: fd-based dispatch).
  const c = await FrameClient.connect(t, port);
  const me = (await req(c, 'who')).wid as number;
  const other = 1 - me;
  t.same((await req(c, 'send', { data: { hello: [1, 2] }, dst: other })).ok, true, `worker ${me} → worker ${other}: true`);
  const p = await app.wait((e) => e.ev === 'Pipe' && (e.msg as R)?.hello !== undefined);
  t.same([p.id, p.src, p.msg], [other, me, { hello: [1, 2] }], 'arrives with src and the array intact');
  t.same((await req(c, 'send', { kind: 'long', n: 1 << 20, dst: other })).ok, true, '1 MiB message');
  const big = await app.wait((e) => e.ev === 'Pipe' && (e.msg as R)?.long !== undefined);
  t.same(big.msg, { long: 1 << 20, head: 'zzzzzzzz', tail: 'zzzzzzzz' }, 'arrives whole');
  t.same(await req(c, 'command', { data: ['getpid', 0, MASTER, null] }), { r: false, err: ErrorCode.INVALID_PARAMS }, 'command() from a worker in PROCESS mode: false, 505');
  // clause:server-tasks.task.send-from-task — a task worker's send()/close() reach the connection through its owner.
  {
    const fd = (await req(c, 'who')).fd as number;
    const frames = await twoFrames(c, 'taskwait', { data: { op: 'reply', v: fd }, timeout: 3 });
    const pushed = frames.find((f) => 'fromTask' in f);
    const answer = frames.find((f) => 'r' in f);
    t.ok(pushed && typeof pushed.fromTask === 'number' && (pushed.fromTask as number) >= 2, `the task worker's frame arrived (${JSON.stringify(pushed)})`);
    t.same([((answer?.r as R) ?? {}).sent, ((answer?.r as R) ?? {}).missing, ((answer?.r as R) ?? {}).err], [true, false, ErrorCode.SESSION_NOT_EXIST], 'its send() answered true; to an unknown session false, 1005 (PROCESS)');
    const other = await FrameClient.connect(t, port);
    const ofd = (await req(other, 'who')).fd as number;
    await req(c, 'taskwait', { data: { op: 'close', v: ofd }, timeout: 3 });
    t.equal(await other.ended, 'end', "the task worker's close() closed the other connection");
  }


  // clause:server-tasks.command.call clause:server-tasks.command.errors clause:server-tasks.command.add — PROCESS: from the master (here the manager), via stdin.
  const command = async (...args: unknown[]): Promise<AppEvent> => {
    const from = app.events.length;
    app.proc.stdin!.write(`command ${JSON.stringify(args)}\n`);
    return app.wait((e) => e.ev === 'CommandResult', 10000, from);
  };
  const master = await command('getpid', 0, MASTER, { type: 'master' });
  t.same(master.r, { pid: app.proc.pid, wid: false, data: '{"type":"master"}' }, 'MASTER runs in the master');
  t.equal(master.late, false, 'addCommand after start: false');
  t.same(((await command('getpid', 1, EVENT, 'w1')).r as R).pid, started[1]!.pid, 'EVENT_WORKER 1 runs in worker 1');
  t.same(((await command('getpid', 0, TASK, null)).r as R).wid, 2, 'TASK_WORKER 0 is worker 2');
  t.same((await command('bad', 0, EVENT, null)).r, { data: 'wrong return type', code: -2 }, 'a non-string return is reported');
  t.same([(await command('getpid', 2, EVENT, null)).r, (await command('getpid', 2, EVENT, null)).err], [false, ErrorCode.INVALID_PARAMS], 'no event worker 2: false, 505');

  // clause:server-tasks.reload.task-only clause:server-tasks.process.not-reloaded — reload(true) restarts the task worker only; user processes never.
  const before = app.events.length;
  t.same(await req(c, 'reload', { data: true }), { ok: true }, 'reload(true): true');
  const newTask = await app.wait((e) => e.ev === 'WorkerStart' && e.id === 2, 15000, before);
  t.not(newTask.pid, started[2]!.pid, 'task worker 2 has a new process');
  t.equal((await req(c, 'who')).wid, me, 'the connection is still served by its event worker');
  t.same(app.all('WorkerStop').map((e) => e.id), [2], 'only the task worker stopped');
  process.kill(app.proc.pid!, 'SIGUSR1');
  await app.started(3, app.events.indexOf(newTask) + 1);
  t.equal(app.all('UserStart', (e) => e.name === 'A').length, 1, 'a full reload leaves user process A alone');
  const tw = await req(c, 'taskwait', { data: { op: 'who' }, timeout: 3 });
  t.equal((tw.r as R).wid, 2, 'tasks work after the reloads');

  // clause:server-tasks.process.shutdown — SIGTERM reaches user processes after the workers stopped.
  const from = app.events.length;
  const ret = await app.stop();
  t.equal(ret.ret, true, 'start() returned true');
  const order = app.events.slice(from).filter((e) => e.ev === 'WorkerStop' || e.ev === 'UserStop').map((e) => (e.ev === 'UserStop' ? 'A' : e.id));
  t.equal(order.at(-1), 'A', `A stops last (${order.join(',')})`);
  t.equal(order.length, 4, 'three workers, then A');
});

t.test('reliability: a task worker dying mid-task, task_max_request, reload with tasks in flight, backpressure', async (t) => {
  const app = new TaskApp(t, {
    SRV_MODE: 'base', SRV_WORKERS: '1', SRV_TASK_WORKERS: '1',
    SRV_SETTINGS: JSON.stringify({ task_max_request: 40, task_max_request_grace: 0 }),
  });
  await app.started(2);
  const c = await FrameClient.connect(t, await app.port());

  // clause:server-tasks.reliability.crash-mid-task — taskwait learns at once, the next task works.
  const crash = await req(c, 'taskwait', { data: { op: 'crash' }, timeout: 10 });
  t.same([crash.r, crash.err], [false, ErrorCode.TASK_DISPATCH_FAIL], 'taskwait: false (2002)');
  t.ok((crash.ms as number) < 5000, `before its timeout (${String(crash.ms)} ms)`);
  const err = await app.wait((e) => e.ev === 'WorkerError' && e.id === 1);
  t.equal(err.signal, 9, 'onWorkerError for the task worker (signal 9)');
  t.same((await req(c, 'taskwait', { data: { op: 'sleep', ms: 0, v: 'after' }, timeout: 5 })).r, { v: 'after', wid: 1 }, 'the next taskwait works');

  // clause:server-tasks.max-request.task — task_max_request restarts the task worker.
  const pids = new Set<number>();
  for (let i = 0; i < 45; i++) pids.add(((await req(c, 'taskwait', { data: { op: 'who' }, timeout: 5 })).r as R).pid as number);
  t.equal(pids.size, 2, 'after 40 tasks a new task worker process serves');

  // clause:server-tasks.reliability.reload-keeps-tasks — tasks accepted before SIGUSR2 all finish.
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) ids.push((await req(c, 'task-cb', { data: { op: 'async', ms: 100, v: i } })).id as number);
  t.same(await req(c, 'reload', { data: true }), { ok: true }, 'reload(true) with 4 slow tasks queued');
  for (const id of ids) await app.wait((e) => e.ev === 'TaskCallback' && e.taskId === id);
  t.pass('every accepted task reached its callback');

  await app.stop();
});

t.test('backpressure: a flood of task() past pipe_buffer_size', async (t) => {
  const app = new TaskApp(t, { SRV_MODE: 'base', SRV_WORKERS: '1', SRV_TASK_WORKERS: '1', SRV_SETTINGS: JSON.stringify({ pipe_buffer_size: 256 << 10 }) });
  await app.started(2);
  const c = await FrameClient.connect(t, await app.port());
  // clause:server-tasks.reliability.backpressure — refused with 9006 once the local queue is full; nothing accepted is lost.
  await req(c, 'task', { data: { op: 'sleep', ms: 1500 } });
  // 32 KiB tasks: the inbox's kernel buffer holds a few hundred, so the accepted ones run quickly
  // even on a loaded machine (4 KiB tasks made it thousands).
  const flood = await req(c, 'many', { count: 2000, kind: 'long', n: 32768 });
  t.ok((flood.ok as number) > 0, `some accepted (${String(flood.ok)})`);
  t.equal(flood.err, ErrorCode.SERVER_PIPE_BUFFER_FULL, 'the rest refused with 9006');
  // Every accepted task runs (the last of them is the flood's final accepted one).
  const isFlood = (e: AppEvent): boolean => e.ev === 'Task' && (e.data as R)?.long === 32768;
  await app.wait((e) => isFlood(e) && app.all('Task', isFlood).length === flood.ok, 30000);
  t.equal(app.all('Task', isFlood).length, flood.ok, 'every accepted task ran, once');
  t.not((await req(c, 'taskwait', { data: { op: 'who' }, timeout: 5 })).r, false, 'the queue drained: tasks work again');
  await app.stop();
});
