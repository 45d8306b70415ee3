import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { tag, taskServer } from './rig.ts';

// No task workers and no onPipeMessage: every task call and sendMessage() is refused at once
// with its code; finish() in an event worker is false.
export default defineCase({
  id: 'server.tasks.no-task-workers',
  title: 'Without task workers task/taskwait/taskWaitMulti/taskCo are false (507); without onPipeMessage sendMessage is false (9015)',
  clauses: ['server-tasks.task.no-task-workers', 'server-tasks.pipe.requires-callback'],
  features: ['server', 'server.tasks', 'server.pipe-message', 'server.base', 'server.tcp'],
  scenario: taskServer({ worker_num: 2, task_worker_num: 0 }, ['Receive', 'WorkerStart']),
  async run(h) {
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [
      { call: 'task', args: [tag('x')] },
      { call: 'taskwait', args: [tag('x'), 0.2] },
      { call: 'taskWaitMulti', args: [[tag('x')], 0.2] },
      { call: 'taskCo', args: [[tag('x')], 0.2] },
      { call: 'finish', args: [tag('x')] },
      { call: 'sendMessage', args: [tag('x'), 1] },
    ]);
    await h.start();
    await h.waitEvent('Init');
    const w0 = await h.waitEvent('WorkerStart', { worker_id: 0 });
    await h.waitEvent('WorkerStart', { worker_id: 1 });
    const r = await w0.done;
    h.expectEqual('every call returns false and none throws', Array(6).fill({ ret: false, threw: undefined }), r.map((x) => ({ ret: x.ret, threw: x.threw })));
    h.expectEqual('task calls: OPERATION_NOT_SUPPORT', [507, 507, 507, 507], r.slice(0, 4).map((x) => x.last_error));
    h.expectEqual('sendMessage without onPipeMessage: INVALID_CALLBACK', 9015, r[5]!.last_error);
    await stopServer(h);
  },
});
