import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { dataText, doneWithin, Driver, gate, ok, tag, taskServer } from './rig.ts';

// Two task workers. dst past the last task worker is refused (505) by task() and taskwait();
// a task worker cannot start tasks (task(): 503, taskwait(): false); a taskwait timeout sets
// TASK_TIMEOUT (2003).
export default defineCase({
  id: 'server.tasks.errors',
  title: 'task/taskwait with dst >= task_worker_num are false (505); task() in a task worker is false (503); taskwait timeout sets 2003',
  clauses: ['server-tasks.task.dst-range', 'server-tasks.task.in-task-worker', 'server-tasks.taskwait.timeout'],
  features: ['server', 'server.tasks', 'server.base', 'server.tcp', 'framing.length'],
  scenario: taskServer({ task_worker_num: 2 }, ['Receive', 'WorkerStart', 'Task']),
  async run(h) {
    const hold = gate();
    h.onEvent('Task', { where: (e) => dataText(e) === 'in-task' }, () => [
      { call: 'task', args: [tag('inner')] },
      { call: 'taskwait', args: [tag('inner-wait'), 0.2] },
    ]);
    h.onEvent('Task', { where: (e) => dataText(e) === 'hold' }, async () => {
      await hold.wait;
      return [];
    });
    const d = await Driver.start(h, 3);
    const bad = await d.run([
      { call: 'task', args: [tag('x'), 2] },
      { call: 'task', args: [tag('x'), 5] },
      { call: 'taskwait', args: [tag('x'), 0.5, 2] },
    ]);
    h.expectEqual('dst 2 and 5 with 2 task workers: false, INVALID_PARAMS', Array(3).fill({ ret: false, last_error: 505 }), bad.results.map((r) => ({ ret: r.ret, last_error: r.last_error })));

    ok((await d.run([{ call: 'task', args: [tag('in-task')] }])).results[0], 'task');
    const inner = await doneWithin(h, await h.waitEvent('Task', { where: (e) => dataText(e) === 'in-task' }), 5000);
    h.expectEqual('task() in a task worker: false, WRONG_OPERATION', { ret: false, last_error: 503 }, { ret: inner[0]?.ret, last_error: inner[0]?.last_error });
    h.expectEqual('taskwait() in a task worker: false', false, inner[1]?.ret);

    const timed = await d.run([{ call: 'taskwait', args: [tag('hold'), 0.1] }]);
    h.expectEqual('taskwait timeout: false, TASK_TIMEOUT', { ret: false, last_error: 2003 }, { ret: timed.results[0]?.ret, last_error: timed.results[0]?.last_error });
    hold.open();
    await doneWithin(h, await h.waitEvent('Task', { where: (e) => dataText(e) === 'hold' }), 5000);
    for (const t of ['x', 'inner', 'inner-wait']) h.expectNoEvent(`refused task '${t}' never runs`, 'Task', { where: (e) => dataText(e) === t });
    await stopServer(h);
  },
});
