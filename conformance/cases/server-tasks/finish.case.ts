import type { Action } from '../../protocol/messages.ts';
import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { dataText, doneWithin, Driver, ok, tag, taskServer, textOf } from './rig.ts';

// One event worker, one task worker. What a task sends back: each finish() and a non-null return
// value reach onFinish in order; null and "nothing" do not; a per-task callback replaces
// onFinish; finish() in an event worker is false; every task_pack-ing call takes the next id.
const plans: Record<string, Action[]> = {
  abc: [{ call: 'finish', args: [tag('A')] }, { call: 'finish', args: [tag('B')] }, { return: tag('C') }],
  'a-null': [{ call: 'finish', args: [tag('A')] }, { return: null }],
  false: [{ return: false }],
  none: [],
  cb: [{ return: tag('cb-result') }],
};

export default defineCase({
  id: 'server.tasks.finish',
  title: 'finish() and return values reach onFinish in order; null does not; a per-task callback replaces onFinish; ids count every task call',
  clauses: ['server-tasks.task.deliver', 'server-tasks.task.return-finishes', 'server-tasks.task.finish-many', 'server-tasks.task.callback', 'server-tasks.task.finish-outside', 'server-tasks.task.ids', 'server-tasks.taskwait.result', 'server-tasks.task.send-from-task'],
  features: ['server', 'server.tasks', 'server.base', 'server.tcp', 'framing.length'],
  scenario: taskServer({}, ['Receive', 'WorkerStart', 'Task', 'Finish']),
  async run(h) {
    const late: Record<string, Action[]> = {};
    h.onEvent('Task', undefined, (e) => late[dataText(e) ?? ''] ?? plans[dataText(e) ?? ''] ?? [{ return: { $arg: 'data' } }]);
    const d = await Driver.start(h, 2);
    const id = async (a: Action) => ok((await d.run([a])).results[0], 'task()').ret;
    h.expectEqual('first task id', 0, await id({ call: 'task', args: [tag('abc')] }));
    const abc = await h.waitEvent('Task', { where: (e) => dataText(e) === 'abc' });
    h.expectEqual('onTask: id, source worker', { task_id: 0, src_worker_id: 0, role: 'task_worker' }, { task_id: abc.args.task_id, src_worker_id: abc.args.src_worker_id, role: abc.role });
    h.expectEqual('both finish() calls return true', [true, true], (await doneWithin(h, abc, 5000)).slice(0, 2).map((r) => r.ret));
    const three = await h.waitEvents('Finish', 3, { where: (e) => e.args.task_id === 0 });
    h.expectEqual('onFinish A, B, then the return value C, in worker 0', ['A', 'B', 'C'].map((x) => ({ data: x, worker_id: 0 })), three.map((e) => ({ data: textOf(e.args.data), worker_id: e.worker_id })));

    h.expectEqual('second id', 1, await id({ call: 'task', args: [tag('a-null')] }));
    h.expectEqual('third id', 2, await id({ call: 'task', args: [tag('false')] }));
    h.expectEqual('fourth id', 3, await id({ call: 'task', args: [tag('none')] }));
    const cb = { $callback: { name: 'TaskDone', args: ['task_id', 'data'] } };
    h.expectEqual('fifth id (with a callback)', 4, await id({ call: 'task', args: [tag('cb'), -1, cb] }));
    const done = await h.waitEvent('TaskDone');
    h.expectEqual('the per-task callback gets (task_id, data) in worker 0', { task_id: 4, data: 'cb-result', worker_id: 0 }, { task_id: done.args.task_id, data: textOf(done.args.data), worker_id: done.worker_id });

    h.expectEqual('finish() in an event worker', false, ok((await d.run([{ call: 'finish', args: [tag('nope')] }])).results[0], 'finish()').ret);
    h.expectEqual('taskwait() takes id 5 and returns the value', 'tw', textOf(ok((await d.run([{ call: 'taskwait', args: [tag('tw'), 5] }])).results[0], 'taskwait()').ret));
    ok((await d.run([{ call: 'taskWaitMulti', args: [[tag('m0'), tag('m1')], 5] }])).results[0], 'taskWaitMulti()');
    ok((await d.run([{ call: 'taskCo', args: [[tag('c0')], 5] }])).results[0], 'taskCo()');
    h.expectEqual('task() after taskwait, taskWaitMulti(2) and taskCo(1)', 9, await id({ call: 'task', args: [tag('last')] }));
    await h.waitEvent('Finish', { where: (e) => e.args.task_id === 9 });

    const idOf = (t: string) => h.events.find((e) => e.name === 'Task' && dataText(e) === t)?.args.task_id;
    h.expectEqual('ids seen by onTask', { tw: 5, m0: 6, m1: 7, c0: 8 }, { tw: idOf('tw'), m0: idOf('m0'), m1: idOf('m1'), c0: idOf('c0') });
    const fin = (tid: number) => h.events.filter((e) => e.name === 'Finish' && e.args.task_id === tid).map((e) => textOf(e.args.data) ?? e.args.data);
    h.expectEqual('finish(A) then return null: one onFinish', ['A'], fin(1));
    h.expectEqual('return false counts as finish(false)', [false], fin(2));
    h.expectEqual('no finish, no return: no onFinish', [], fin(3));
    h.expectEqual('the callback replaced onFinish', [], fin(4));
    h.expectEqual('waited tasks do not reach onFinish', [[], [], [], []], [5, 6, 7, 8].map(fin));

    // A task worker answers the client itself: send() is forwarded to worker 0, which owns it.
    const fd = (await d.run([])).event.args.fd;
    late.push = [{ call: 'send', args: [fd, tag('from-task')] }];
    h.expectEqual('task() of the pushing task', 10, await id({ call: 'task', args: [tag('push')] }));
    const push = await doneWithin(h, await h.waitEvent('Task', { where: (e) => dataText(e) === 'push' }), 5000);
    h.expectEqual('send() in the task worker', true, ok(push[0], 'send').ret);
    const got = await d.client.readAtLeast(9, h.ms(5000));
    h.expectEqual('the client gets the bytes the task worker sent', 'from-task', got.toString());
    await stopServer(h);
  },
});
