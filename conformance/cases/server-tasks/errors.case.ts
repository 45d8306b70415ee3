import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { dataText, doneWithin, Driver, gate, ok, tag, taskServer } from './rig.ts';

// Two task workers. dst past the last task worker is refused (505) by task() and taskwait();
// a task worker cannot start tasks (task(): 503, taskwait(): false); a taskwait timeout sets
// TASK_TIMEOUT (2003); a self-send is INVALID_PARAMS (505). (Swoole reports 503 for every warning.)
export default defineCase({
  id: 'server.tasks.errors',
  title: 'Error codes: dst >= task_worker_num 505, task() in a task worker 503, taskwait timeout 2003, self-send 505',
  clauses: ['server-tasks.task.dst-range', 'server-tasks.task.in-task-worker', 'server-tasks.taskwait.event-workers-only', 'server-tasks.taskwait.timeout', 'server-tasks.pipe.self'],
  features: ['server', 'server.tasks', 'server.pipe-message', 'server.base', 'server.tcp', 'framing.length'],
  scenario: taskServer({ task_worker_num: 2 }, ['Receive', 'WorkerStart', 'Task', 'PipeMessage']),
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
    const self = ok((await d.run([{ call: 'sendMessage', args: [tag('self'), 0] }])).results[0], 'sendMessage');
    h.expectEqual('sendMessage to itself: false, INVALID_PARAMS', { ret: false, last_error: 505 }, { ret: self.ret, last_error: self.last_error });
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
    h.expectNoEvent('the self-send is never delivered', 'PipeMessage');
    for (const t of ['x', 'inner', 'inner-wait']) h.expectNoEvent(`refused task '${t}' never runs`, 'Task', { where: (e) => dataText(e) === t });
    await stopServer(h);
  },
});
