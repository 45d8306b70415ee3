import { fillBytes } from '../../protocol/bytes.ts';
import type { Action } from '../../protocol/messages.ts';
import type { ObservedEvent } from '../../runner/harness.ts';
import { defineCase } from '../../case.ts';
import { expected, pattern } from '../expect-bytes.ts';
import { stopServer } from '../finish.ts';
import { dataText, doneWithin, gate, ok, tag, taskServer } from './rig.ts';

// BASE, event workers 0 and 1, task worker 2, user process 3. Once everything runs, messages go
// event→event, event→task, task→event, user process→event/task and manager→event; self-sends
// and ids outside [0, 3) are refused; one-way tasks from the manager and the user process run
// with no onFinish, and finish() there (and inside onPipeMessage) is false.
const BIG = 3 << 20;

export default defineCase({
  id: 'server.tasks.messages',
  title: 'sendMessage between event workers, task workers, the manager and a user process; refused targets; one-way tasks',
  clauses: ['server-tasks.pipe.deliver', 'server-tasks.pipe.from-manager', 'server-tasks.pipe.self', 'server-tasks.pipe.invalid-id', 'server-tasks.task.one-way', 'server-tasks.taskwait.event-workers-only', 'server-tasks.task.finish-outside', 'server-tasks.payload.large', 'server-tasks.process.add'],
  features: ['server', 'server.tasks', 'server.pipe-message', 'server.user-process', 'server.base', 'server.tcp'],
  scenario: taskServer({ worker_num: 2 }, ['Receive', 'WorkerStart', 'ManagerStart', 'PipeMessage', 'Task', 'Finish'], { extra: { processes: [{}] } }),
  async run(h) {
    const ready = gate();
    const after = (actions: Action[]) => async () => {
      await ready.wait;
      return actions;
    };
    h.onEvent('WorkerStart', { worker_id: 0 }, after([
      { call: 'sendMessage', args: [tag('e0>e1'), 1] },
      { call: 'sendMessage', args: [tag('e0>t2'), 2] },
      { call: 'sendMessage', args: [tag('self'), 0] },
      { call: 'sendMessage', args: [tag('neg'), -1] },
      { call: 'sendMessage', args: [tag('user'), 3] },
      { call: 'sendMessage', args: [tag('far'), 99] },
      { call: 'sendMessage', args: [fillBytes(BIG, '6d'), 1] },
    ]));
    h.onEvent('ManagerStart', undefined, after([
      { call: 'sendMessage', args: [tag('m>e1'), 1] },
      { call: 'task', args: [tag('m-task')] },
      { call: 'taskwait', args: [tag('m-wait'), 0.2] },
    ]));
    h.onEvent('UserProcess', undefined, after([
      { report: ['worker_id'] },
      { call: 'stats', prop: 'user_worker_num' },
      { call: 'sendMessage', args: [tag('u>e0'), 0] },
      { call: 'sendMessage', args: [tag('u>t2'), 2] },
      { call: 'sendMessage', args: [tag('u-neg'), -1] },
      { call: 'task', args: [tag('u-task')] },
      { call: 'taskwait', args: [tag('u-wait'), 0.2] },
    ]));
    h.onEvent('PipeMessage', { where: (e) => dataText(e) === 'e0>t2' }, () => [
      { call: 'finish', args: [tag('no')] },
      { call: 'sendMessage', args: [tag('t2>e0'), 0] },
      { call: 'sendMessage', args: [tag('t-self'), 2] },
    ]);
    h.onEvent('Task', undefined, () => [{ call: 'finish', args: [tag('no-reply')] }]);

    await h.start();
    const init = await h.waitEvent('Init');
    h.expectEqual('addProcess() returns index 0', 0, (init.args.processes as { ret: unknown }[] | undefined)?.[0]?.ret);
    await h.waitEvents('WorkerStart', 3);
    const up = await h.waitEvent('UserProcess');
    await h.waitEvent('ManagerStart');
    ready.open();
    h.expectEqual('the user process: role and global id 2 + 1 + 0', { role: 'user_process', id: 3 }, { role: up.role, id: up.args.id });

    const w0 = await doneWithin(h, h.events.find((e) => e.name === 'WorkerStart' && e.worker_id === 0)!, 10000);
    h.expectEqual('worker 0: e1, t2 ok; self, -1, a user process id, 99 refused; 3 MiB ok', [true, true, false, false, false, false, true], w0.map((r) => r.ret));
    const u = await doneWithin(h, up, 10000);
    h.expectEqual('in the user process: worker_id -1, user_worker_num 1, sends ok, -1 refused', [{ worker_id: -1 }, 1, true, true, false], u.slice(0, 5).map((r) => r.ret));
    h.expectTrue('task() from a user process returns an id', typeof ok(u[5], 'task').ret === 'number', u[5]);
    h.expectEqual('taskwait() in a user process: false', false, ok(u[6], 'taskwait').ret);
    const m = await doneWithin(h, h.events.find((e) => e.name === 'ManagerStart')!, 10000);
    h.expectEqual('taskwait() in the manager: false', false, ok(m[2], 'taskwait').ret);
    h.expectEqual('from the manager: sendMessage true', true, ok(m[0], 'sendMessage').ret);
    h.expectTrue('task() from the manager returns an id', typeof ok(m[1], 'task').ret === 'number', m[1]);

    const pipe = async (t: string, wid: number) => await h.waitEvent('PipeMessage', { where: (e) => dataText(e) === t && e.worker_id === wid });
    const src = (e: ObservedEvent) => e.args.src_worker_id;
    h.expectEqual('event worker → event worker: src 0', 0, src(await pipe('e0>e1', 1)));
    h.expectEqual('event worker → task worker: src 0, role task_worker', { src: 0, role: 'task_worker' }, await pipe('e0>t2', 2).then((e) => ({ src: src(e), role: e.role })));
    h.expectEqual('task worker → event worker: src 2', 2, src(await pipe('t2>e0', 0)));
    h.expectEqual('user process → event worker: src 3', 3, src(await pipe('u>e0', 0)));
    h.expectEqual('user process → task worker: src 3', 3, src(await pipe('u>t2', 2)));
    h.expectEqual('manager → event worker: src -1', -1, src(await pipe('m>e1', 1)));
    const big = await h.waitEvent('PipeMessage', { worker_id: 1, where: (e) => (e.args.data as { $bytes?: { len: number } })?.$bytes?.len === BIG });
    h.expectEqual('a 3 MiB message arrives intact', { data: expected(pattern(BIG, 0x6d)), src: 0 }, { data: big.args.data, src: src(big) });
    const t2 = await doneWithin(h, h.events.find((e) => e.name === 'PipeMessage' && dataText(e) === 'e0>t2')!, 5000);
    h.expectEqual('in onPipeMessage of the task worker: finish() false, send to 0 true, to itself false', [false, true, false], t2.map((r) => r.ret));

    const ut = await h.waitEvent('Task', { where: (e) => dataText(e) === 'u-task' });
    h.expectEqual("the user process's one-way task: src is its id 3", 3, src(ut));
    h.expectEqual('finish() in a one-way task is false', false, ok((await doneWithin(h, ut, 5000))[0], 'finish').ret);
    const mt = await h.waitEvent('Task', { where: (e) => dataText(e) === 'm-task' });
    h.expectEqual("finish() in the manager's one-way task is false", false, ok((await doneWithin(h, mt, 5000))[0], 'finish').ret);
    for (const t of ['m-wait', 'u-wait']) h.expectNoEvent(`refused taskwait '${t}' starts no task`, 'Task', { where: (e) => dataText(e) === t });
    for (const t of ['self', 'neg', 'user', 'far', 't-self', 'u-neg']) h.expectNoEvent(`refused message '${t}' is never delivered`, 'PipeMessage', { where: (e) => dataText(e) === t });
    h.expectNoEvent('one-way tasks have no onFinish', 'Finish');
    await stopServer(h);
  },
});
