import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { dataText, Driver, ok, tag, taskServer, textOf } from './rig.ts';

// The task worker is busy (600 ms onTask) with four tasks queued behind it when the manager gets
// SIGUSR2; two more tasks follow. Every one of the seven still runs and reaches onFinish; the
// task worker is replaced and event worker 0 is not.
export default defineCase({
  id: 'server.tasks.reload-keeps-tasks',
  title: 'SIGUSR2 while tasks are queued: the task worker is replaced, the event worker kept, and every accepted task reaches onFinish',
  clauses: ['server-tasks.reliability.reload-keeps-tasks', 'server-tasks.reload.task-only'],
  features: ['server', 'server.tasks', 'server.reload', 'server.base', 'server.tcp', 'framing.length'],
  scenario: taskServer({}, ['Receive', 'WorkerStart', 'Task', 'Finish']),
  async run(h) {
    h.onEvent('Task', { where: (e) => dataText(e) === 'r0' }, () => [{ sleep_ms: 600 }, { return: { $arg: 'data' } }]);
    h.onEvent('Task', undefined, () => [{ return: { $arg: 'data' } }]);
    const d = await Driver.start(h, 2);
    const w0 = h.events.find((e) => e.name === 'WorkerStart' && e.worker_id === 0)!;
    const t0 = h.events.find((e) => e.name === 'WorkerStart' && e.worker_id === 1)!;
    const send = async (tags: string[]) => (await d.run(tags.map((t) => ({ call: 'task', args: [tag(t)] })))).results.map((r) => ok(r, 'task').ret);
    const ids = await send(['r0']);
    await h.waitEvent('Task', { where: (e) => dataText(e) === 'r0' });
    ids.push(...(await send(['r1', 'r2', 'r3', 'r4'])));
    h.signal(h.masterPid, 'SIGUSR2');
    ids.push(...(await send(['r5', 'r6'])));
    h.expectEqual('seven task ids', [0, 1, 2, 3, 4, 5, 6], ids);
    const fin = await h.waitEvents('Finish', 7, undefined, 15000);
    h.expectEqual('every task reached onFinish with its own result', ids.map((id, i) => ({ id, data: `r${i}` })), fin.map((e) => ({ id: e.args.task_id, data: textOf(e.args.data) })).sort((a, b) => Number(a.id) - Number(b.id)));
    const again = await h.waitEvent('WorkerStart', { worker_id: 1, where: (e) => e.pid !== t0.pid });
    h.expectEqual('the task worker was replaced', 'task_worker', again.role);
    h.expectEqual('event worker 0 kept its process', [w0.pid], h.events.filter((e) => e.name === 'WorkerStart' && e.worker_id === 0).map((e) => e.pid));
    await stopServer(h);
  },
});
