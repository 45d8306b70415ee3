import { defineCase } from '../../case.ts';
import { doneWithin, gate, ok, taskServer } from './rig.ts';

// One event worker (0), one task worker (1), user processes 2 and 3. Process 3 exits once and is
// started again (same id, new pid). reload() restarts workers 0 and 1 but no user process. At shutdown the user process hears SIGTERM only after
// every worker's onWorkerStop.
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default defineCase({
  id: 'server.tasks.user-processes',
  title: 'addProcess: index and global ids, respawn on exit, untouched by reload(), SIGTERM after the workers stop',
  clauses: ['server-tasks.process.add', 'server-tasks.process.respawn', 'server-tasks.process.not-reloaded', 'server-tasks.process.shutdown', 'server-tasks.reload.task-only', 'server-tasks.ids.ranges'],
  features: ['server', 'server.tasks', 'server.user-process', 'server.reload', 'server.base', 'server.tcp'],
  scenario: taskServer({}, ['Receive', 'WorkerStart', 'WorkerStop', 'Task'], { extra: { processes: [{}, {}] } }),
  async run(h) {
    const ready = gate();
    let exited = false;
    h.onEvent('UserProcess', { where: (e) => e.args.index === 0 }, () => [{ handle_signal: { signal: 'SIGTERM', then: 'exit', notify: true } }, { report: ['worker_id'] }, { call: 'stats', prop: 'user_worker_num' }]);
    h.onEvent('UserProcess', { where: (e) => e.args.index === 1 }, () => {
      if (exited) return [];
      exited = true;
      return [{ exit: 0 }];
    });
    let gen = 0;
    h.onEvent('WorkerStart', { worker_id: 0 }, async () => {
      gen++;
      if (gen === 1) {
        await ready.wait;
        return [{ call: 'reload', args: [] }];
      }
      return [];
    });
    await h.start();
    const init = await h.waitEvent('Init');
    h.expectEqual('addProcess() returns the index', [0, 1], (init.args.processes as { ret: unknown }[] | undefined)?.map((r) => r.ret));
    const p0 = await h.waitEvent('UserProcess', { where: (e) => e.args.index === 0 });
    const p1 = await h.waitEvent('UserProcess', { where: (e) => e.args.index === 1 });
    const p1again = await h.waitEvent('UserProcess', { where: (e) => e.args.index === 1 });
    h.expectEqual('user process ids are worker_num + task_worker_num + index', [2, 3, 3], [p0.args.id, p1.args.id, p1again.args.id]);
    h.expectEqual('role user_process', ['user_process', 'user_process'], [p0.role, p1.role]);
    h.expectTrue('process 3 was started again with a new pid', p1again.pid !== p1.pid, { before: p1.pid, after: p1again.pid });
    const facts = await doneWithin(h, p0, 5000);
    h.expectEqual('inside: worker_id -1, stats user_worker_num 2', [{ worker_id: -1 }, 2], facts.slice(1).map((r) => ok(r, 'fact').ret));

    const w0 = await h.waitEvent('WorkerStart', { worker_id: 0 });
    const t1 = await h.waitEvent('WorkerStart', { worker_id: 1 });
    ready.open();
    h.expectEqual('reload() from worker 0', true, ok((await doneWithin(h, w0, 5000))[0], 'reload').ret);
    const w0b = await h.waitEvent('WorkerStart', { worker_id: 0 });
    const t1b = await h.waitEvent('WorkerStart', { worker_id: 1 });
    h.expectTrue('reload() restarted the event worker and the task worker', w0b.pid !== w0.pid && t1b.pid !== t1.pid, { w0: [w0.pid, w0b.pid], t1: [t1.pid, t1b.pid] });
    h.expectEqual('user processes: no new start, both still alive', { starts: 3, alive: [true, true] }, { starts: h.events.filter((e) => e.name === 'UserProcess').length, alive: [alive(p0.pid), alive(p1again.pid)] });
    h.expectNoEvent('onWorkerStart never runs in a user process', 'WorkerStart', { where: (e) => e.role === 'user_process' || [2, 3].includes(e.worker_id as number) });

    // The old workers are gone (the reload is over) before the shutdown starts.
    await h.waitEvent('WorkerStop', { pid: w0.pid });
    await h.waitEvent('WorkerStop', { pid: t1.pid });
    // The last workers' onWorkerStop is held a moment (a window in which an early SIGTERM to the
    // user process would show); they cannot exit before the runner answers, so a Signal that
    // arrives while any is still held came too early.
    let released = 0;
    let releasedAtSignal = -1;
    h.onEvent('WorkerStop', { where: (e) => e.pid === w0b.pid || e.pid === t1b.pid }, async () => {
      await new Promise((r) => setTimeout(r, h.ms(400)));
      released++;
      return [];
    });
    h.onEvent('Signal', undefined, () => {
      releasedAtSignal = released;
      return [];
    });
    h.signal(h.masterPid, 'SIGTERM');
    await h.waitEvent('Signal', { pid: p0.pid });
    h.expectTrue('both workers had stopped before the user process got SIGTERM', releasedAtSignal === 2, { released_at_signal: releasedAtSignal, trace: h.events.filter((e) => ['WorkerStop', 'Signal'].includes(e.name)).map((e) => `${e.name} pid ${e.pid} at ${e.at} ms`) });
    await h.waitExit(8000);
  },
});
