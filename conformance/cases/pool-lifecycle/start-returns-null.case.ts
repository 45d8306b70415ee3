import { defineCase } from '../../case.ts';
import { SWOOLE_IPC_NONE } from '../../../reference/constants.ts';
import { Mailbox } from '../../runner/mailbox.ts';

export default defineCase({
  id: 'pool.lifecycle.start-returns-null',
  title: 'SIGTERM to the master shuts the pool down; start() then returns null and the master exits 0',
  clauses: ['pool.start.return'],
  features: ['pool'],
  scenario: { kind: 'pool', args: { worker_num: 2, ipc_type: SWOOLE_IPC_NONE, msgqueue_key: 0, enable_coroutine: false }, events: ['WorkerStart', 'Start'] },
  async run(h) {
    // Without onMessage a worker ends after onWorkerStart (and is respawned): keep each one
    // inside its callback until the shutdown is under way.
    const box = new Mailbox();
    h.onEvent('WorkerStart', undefined, box.take);
    await h.start();
    await h.waitEvents('WorkerStart', 2, undefined);
    h.signal(h.masterPid, 'SIGTERM');
    box.drain();
    const ret = await h.waitEvent('Return', { role: 'master' });
    h.expectEqual('start() return value', null, ret.args.ret);
    const exit = await h.waitExit(8000);
    h.expectEqual('master exit status', { code: 0, signal: null }, exit);
  },
});
