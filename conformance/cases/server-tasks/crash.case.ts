import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { dataText, Driver, ok, tag, taskServer, textOf } from './rig.ts';

// task_max_request 2: the task worker is replaced after two tasks, quietly. Then the runner
// SIGKILLs the task worker in the middle of a taskwait's task: taskwait is false by its timeout,
// the manager reports onWorkerError(1, pid, 0, 9), and the replacement serves the next task.
export default defineCase({
  id: 'server.tasks.max-request-and-crash',
  title: 'task_max_request replaces a task worker after N tasks; a task worker killed mid-task: taskwait false on time, onWorkerError, next task works',
  clauses: ['server-tasks.max-request.task', 'server-tasks.reliability.crash-mid-task', 'server-tasks.worker-error.task-workers'],
  features: ['server', 'server.tasks', 'server.reload', 'server.base', 'server.tcp', 'framing.length'],
  scenario: taskServer({ task_max_request: 2, task_max_request_grace: 0 }, ['Receive', 'WorkerStart', 'Task', 'WorkerError']),
  async run(h) {
    h.onEvent('Task', { where: (e) => dataText(e) === 'crash' }, (e) => {
      h.signal(e.pid, 'SIGKILL');
      return [];
    });
    h.onEvent('Task', undefined, () => [{ return: { $arg: 'data' } }]);
    const d = await Driver.start(h, 2);
    const first = h.events.find((e) => e.name === 'WorkerStart' && e.worker_id === 1)!;
    const wait = async (t: string, timeout = 5) => ok((await d.run([{ call: 'taskwait', args: [tag(t), timeout] }])).results[0], 'taskwait');
    const ranIn = (t: string) => h.events.find((e) => e.name === 'Task' && dataText(e) === t)?.pid;
    for (const t of ['t1', 't2']) h.expectEqual(`taskwait('${t}')`, t, textOf((await wait(t)).ret));
    h.expectEqual('t1 and t2 ran in the first task worker', [first.pid, first.pid], [ranIn('t1'), ranIn('t2')]);
    const second = await h.waitEvent('WorkerStart', { worker_id: 1, where: (e) => e.pid !== first.pid });
    h.expectEqual('after 2 tasks the task worker was replaced', 'task_worker', second.role);
    h.expectEqual('taskwait(t3)', 't3', textOf((await wait('t3')).ret));
    h.expectEqual('t3 ran in the replacement', second.pid, ranIn('t3'));
    h.expectNoEvent('a task_max_request exit is not an error', 'WorkerError');

    const crash = await d.run([{ call: 'taskwait', args: [tag('crash'), 0.5] }]);
    h.expectEqual('taskwait of the killed task: false', false, ok(crash.results[0], 'taskwait').ret);
    h.expectTrue('no later than the 0.5 s timeout', crash.ms < 500 + h.ms(1500), crash.ms);
    const killed = h.events.find((e) => e.name === 'Task' && dataText(e) === 'crash')!;
    const err = await h.waitEvent('WorkerError');
    h.expectEqual('onWorkerError in the manager for task worker 1', { role: 'manager', worker_id: 1, worker_pid: killed.pid, exit_code: 0, signal: 9 }, { role: err.role, ...err.args });
    const third = await h.waitEvent('WorkerStart', { worker_id: 1, where: (e) => e.pid !== first.pid && e.pid !== second.pid });
    h.expectEqual('the next taskwait works', 't4', textOf((await wait('t4')).ret));
    h.expectEqual('in the new task worker', third.pid, ranIn('t4'));
    await stopServer(h);
  },
});
