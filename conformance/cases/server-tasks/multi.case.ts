import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { byPosition, dataText, doneWithin, Driver, gate, ok, tag, taskServer, textOf } from './rig.ts';

// Three task workers. taskWaitMulti omits what timed out, taskCo puts false in its place (both
// compared by position); 1024 tasks are refused outright. A busy task worker (its onTask held
// open by the runner) is not chosen while another one is idle.
export default defineCase({
  id: 'server.tasks.wait-multi-co-idle',
  title: 'taskWaitMulti omits timed-out tasks, taskCo has false in place, 1024 tasks are refused; busy task workers are skipped',
  clauses: ['server-tasks.taskwait.multi', 'server-tasks.taskwait.co', 'server-tasks.task.idle', 'server-tasks.stats.task-workers'],
  features: ['server', 'server.tasks', 'server.base', 'server.tcp', 'framing.length'],
  scenario: taskServer({ task_worker_num: 3 }, ['Receive', 'WorkerStart', 'Task']),
  async run(h) {
    const holds = new Map<string, ReturnType<typeof gate>>();
    for (const t of ['slow1', 'slow2', 'hold']) holds.set(t, gate());
    h.onEvent('Task', { where: (e) => holds.has(dataText(e) ?? '') }, async (e) => {
      await holds.get(dataText(e)!)!.wait;
      return [{ return: { $arg: 'data' } }];
    });
    h.onEvent('Task', undefined, () => [{ return: { $arg: 'data' } }]);
    const d = await Driver.start(h, 4);
    const release = async (t: string) => {
      holds.get(t)!.open();
      const e = h.events.find((x) => x.name === 'Task' && dataText(x) === t) ?? (await h.waitEvent('Task', { where: (x) => dataText(x) === t }));
      await doneWithin(h, e, 5000);
    };

    const multi = await d.run([{ call: 'taskWaitMulti', args: [[tag('v0'), tag('slow1'), tag('v2')], 0.3] }]);
    h.expectEqual('taskWaitMulti: the timed-out position is absent', { 0: 'v0', 2: 'v2' }, byPosition(ok(multi.results[0], 'taskWaitMulti').ret));
    h.expectTrue('after the 0.3 s timeout', multi.ms >= 300, multi.ms);
    await release('slow1');

    const co = await d.run([{ call: 'taskCo', args: [[tag('v0'), tag('slow2'), tag('v2')], 0.3] }]);
    h.expectEqual('taskCo: false in place of the timed-out task', { 0: 'v0', 1: false, 2: 'v2' }, byPosition(ok(co.results[0], 'taskCo').ret));
    await release('slow2');

    const many = Array.from({ length: 1024 }, () => tag('n'));
    h.expectEqual('taskWaitMulti with 1024 tasks', false, ok((await d.run([{ call: 'taskWaitMulti', args: [many, 0.3] }])).results[0], 'taskWaitMulti').ret);

    h.expectTrue('task() of the held task', typeof ok((await d.run([{ call: 'task', args: [tag('hold')] }])).results[0], 'task').ret === 'number');
    const busy = await h.waitEvent('Task', { where: (e) => dataText(e) === 'hold' });
    const stats = ok((await d.run([{ call: 'stats' }])).results[0], 'stats').ret as Record<string, unknown>;
    h.expectEqual('stats() while one of 3 task workers is busy', { task_worker_num: 3, task_idle_worker_num: 2, tasking_num: 0, has_task_count: true }, { task_worker_num: stats.task_worker_num, task_idle_worker_num: stats.task_idle_worker_num, tasking_num: stats.tasking_num, has_task_count: typeof stats.task_count === 'number' });
    for (const t of ['i1', 'i2', 'i3']) {
      const r = ok((await d.run([{ call: 'taskwait', args: [tag(t), 3] }])).results[0], 'taskwait');
      h.expectEqual(`taskwait('${t}') while worker ${busy.worker_id} is busy`, t, textOf(r.ret));
      const ran = await h.waitEvent('Task', { where: (e) => dataText(e) === t });
      h.expectTrue(`'${t}' ran in an idle task worker, not the busy ${busy.worker_id}`, ran.worker_id !== busy.worker_id, ran.worker_id);
    }
    await release('hold');
    h.expectNoEvent('none of the 1024 refused tasks ran', 'Task', { where: (e) => dataText(e) === 'n' });
    await stopServer(h);
  },
});
