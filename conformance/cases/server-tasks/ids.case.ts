import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { dataText, ok, tag, taskServer, textOf } from './rig.ts';

// 2 event + 2 task workers: ids 0,1 are event workers and 2,3 task workers (taskworker true only
// there); task()'s dst is a task-worker index, negative means "any", too large is refused.
export default defineCase({
  id: 'server.tasks.ids-and-dst',
  title: 'Worker ids 0..1 are event workers, 2..3 task workers; task(data, i) runs in worker 2+i; dst -1/-2 any; dst 2 is refused',
  clauses: ['server-tasks.ids.ranges', 'server-tasks.task.dst-index', 'server-tasks.task.dst-range', 'server-tasks.task.deliver', 'server-tasks.task.return-finishes'],
  features: ['server', 'server.tasks', 'server.base', 'server.tcp'],
  scenario: taskServer({ worker_num: 2, task_worker_num: 2 }, ['Receive', 'WorkerStart', 'Task', 'Finish']),
  async run(h) {
    const facts = { report: ['taskworker', 'worker_id'] };
    h.onEvent('WorkerStart', { worker_id: 1, role: 'worker' }, () => [
      facts,
      { call: 'task', args: [tag('a'), 0] },
      { call: 'task', args: [tag('b'), 1] },
      { call: 'task', args: [tag('c'), -1] },
      { call: 'task', args: [tag('d'), -2] },
      { call: 'task', args: [tag('x'), 2] },
    ]);
    h.onEvent('WorkerStart', undefined, () => [facts]);
    h.onEvent('Task', undefined, () => [{ return: { $arg: 'data' } }]);
    await h.start();
    await h.waitEvent('Init');
    const starts = await h.waitEvents('WorkerStart', 4);
    const seen = starts.map((e) => ({ id: e.args.worker_id, role: e.role })).sort((a, b) => Number(a.id) - Number(b.id));
    h.expectEqual('onWorkerStart ids and roles', [{ id: 0, role: 'worker' }, { id: 1, role: 'worker' }, { id: 2, role: 'task_worker' }, { id: 3, role: 'task_worker' }], seen);
    for (const e of starts) {
      const r = ok((await e.done)[0], `report in worker ${e.args.worker_id}`).ret as { taskworker: unknown; worker_id: unknown };
      h.expectEqual(`worker ${e.args.worker_id}: taskworker and worker_id`, { taskworker: Number(e.args.worker_id) >= 2, worker_id: e.args.worker_id }, r);
    }
    const w1 = starts.find((e) => e.args.worker_id === 1)!;
    const res = (await w1.done).slice(1);
    h.expectEqual('task() ids from worker 1, then false for dst 2', [0, 1, 2, 3, false], res.map((r) => r.ret));
    const tasks = await h.waitEvents('Task', 4);
    const byTag = new Map(tasks.map((e) => [dataText(e), e]));
    h.expectEqual("task('a', 0) runs in worker 2, id 0, from worker 1", { worker_id: 2, task_id: 0, src_worker_id: 1 }, { worker_id: byTag.get('a')?.worker_id, task_id: byTag.get('a')?.args.task_id, src_worker_id: byTag.get('a')?.args.src_worker_id });
    h.expectEqual("task('b', 1) runs in worker 3, id 1", { worker_id: 3, task_id: 1 }, { worker_id: byTag.get('b')?.worker_id, task_id: byTag.get('b')?.args.task_id });
    for (const t of ['c', 'd']) h.expectTrue(`task('${t}', negative dst) runs in a task worker`, [2, 3].includes(byTag.get(t)?.worker_id as number), byTag.get(t)?.worker_id);
    const finishes = await h.waitEvents('Finish', 4);
    const got = finishes.map((e) => ({ worker_id: e.worker_id, task_id: e.args.task_id, data: textOf(e.args.data) })).sort((a, b) => Number(a.task_id) - Number(b.task_id));
    h.expectEqual('onFinish in worker 1 with each returned value', ['a', 'b', 'c', 'd'].map((d, i) => ({ worker_id: 1, task_id: i, data: d })), got);
    h.expectNoEvent('the refused task never runs', 'Task', { where: (e) => dataText(e) === 'x' });
    await stopServer(h);
  },
});
