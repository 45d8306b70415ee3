import { SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { doneWithin, gate, norm, ok, taskServer } from './rig.ts';

// PROCESS mode, event workers 0 and 1, task worker 2. Commands registered before start; the
// master (onStart, held until every worker runs) calls them. Each handler answers with its own
// pid and the JSON it got, so the runner can tell where it ran.
const MASTER = 2;
const EVENT_WORKER = 8;
const TASK_WORKER = 16;
const MANAGER = 32;

export default defineCase({
  id: 'server.tasks.commands',
  title: 'addCommand/command: runs in the master, manager, event or task worker by type and id; JSON in and out; unknown name, wrong type, bad id refused',
  clauses: ['server-tasks.command.add', 'server-tasks.command.call', 'server-tasks.command.errors'],
  features: ['server', 'server.tasks', 'server.command', 'server.process', 'server.tcp'],
  scenario: taskServer({ worker_num: 2 }, ['Start', 'ManagerStart', 'Receive', 'WorkerStart', 'Task'], {
    mode: SWOOLE_PROCESS,
    extra: {
      commands: [
        { name: 'ping', types: MASTER | MANAGER | EVENT_WORKER | TASK_WORKER },
        { name: 'task-only', types: TASK_WORKER },
        { name: 'ping', types: EVENT_WORKER },
        { name: 'bad-ret', types: EVENT_WORKER },
      ],
    },
  }),
  async run(h) {
    const ready = gate();
    h.onEvent('Command', { where: (e) => e.args.name === 'bad-ret' }, () => [{ return: { not: 'a string' } }]);
    h.onEvent('Command', undefined, (e) => [{ return: JSON.stringify({ p: e.pid, j: e.args.json }) }]);
    h.onEvent('WorkerStart', { worker_id: 1 }, () => [
      { call: 'command', args: ['ping', 0, EVENT_WORKER, 'x'] },
      { call: 'addCommand', args: ['late', EVENT_WORKER, { $callback: { name: 'Late', args: ['json'] } }] },
    ]);
    h.onEvent('Start', undefined, async () => {
      await ready.wait;
      return [
        { call: 'command', args: ['ping', 0, MASTER, { type: 'master' }] },
        { call: 'command', args: ['ping', 1, EVENT_WORKER, 'w1'] },
        { call: 'command', args: ['ping', 0, TASK_WORKER, 't0'] },
        { call: 'command', args: ['ping', 0, MANAGER, 'm'] },
        { call: 'command', args: ['ping', 1, EVENT_WORKER, 'raw', false] },
        { call: 'command', args: ['nope', 0, EVENT_WORKER, null] },
        { call: 'command', args: ['task-only', 0, EVENT_WORKER, null] },
        { call: 'command', args: ['ping', 5, EVENT_WORKER, null] },
        { call: 'command', args: ['ping', 1, TASK_WORKER, null] },
        { call: 'command', args: ['bad-ret', 0, EVENT_WORKER, null] },
      ];
    });
    await h.start();
    const init = await h.waitEvent('Init');
    h.expectEqual('addCommand: true, true, false for the duplicate name, true', [true, true, false, true], (init.args.commands as { ret: unknown }[] | undefined)?.map((r) => r.ret));
    const starts = await h.waitEvents('WorkerStart', 3);
    const pidOf = (wid: number) => starts.find((e) => e.worker_id === wid)?.pid;
    const start = await h.waitEvent('Start');
    const manager = await h.waitEvent('ManagerStart');
    ready.open();
    const r = await doneWithin(h, start, 15000);
    const res = r.map((x) => norm(ok(x, 'command').ret));
    h.expectEqual('MASTER: runs in the master, data JSON-encoded, answer decoded', { p: start.pid, j: '{"type":"master"}' }, res[0]);
    h.expectEqual('EVENT_WORKER 1: runs in worker 1', { p: pidOf(1), j: '"w1"' }, res[1]);
    h.expectEqual('TASK_WORKER 0: runs in task worker 2 (id is the task-worker index)', { p: pidOf(2), j: '"t0"' }, res[2]);
    h.expectEqual('MANAGER: runs in the manager', { p: manager.pid, j: '"m"' }, res[3]);
    h.expectEqual('json_decode false: the raw string', { p: pidOf(1), j: '"raw"' }, typeof res[4] === 'string' ? JSON.parse(res[4]) : res[4]);
    h.expectEqual('unknown name, wrong type, bad ids: false', [false, false, false, false], res.slice(5, 9));
    h.expectEqual('their codes: INVALID_COMMAND, OPERATION_NOT_SUPPORT, INVALID_PARAMS ×2', [9012, 507, 505, 505], r.slice(5, 9).map((x) => x.last_error));
    h.expectEqual('a non-string answer', { data: 'wrong return type', code: -2 }, res[9]);
    const w1 = await doneWithin(h, starts.find((e) => e.worker_id === 1)!, 5000);
    h.expectEqual('in an event worker: command() false, addCommand() after start false', [false, false], w1.map((x) => ok(x, 'call').ret));
    await stopServer(h);
  },
});
