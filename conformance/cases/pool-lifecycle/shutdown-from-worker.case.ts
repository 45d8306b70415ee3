import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { poolOf } from '../scenarios.ts';

export default defineCase({
  id: 'pool.lifecycle.shutdown-from-worker',
  title: 'shutdown() in a worker returns true and ends the pool; start() returns null',
  clauses: ['pool.lifecycle.shutdown-from-worker'],
  features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
  scenario: poolOf(SWOOLE_IPC_UNIXSOCK, ['WorkerStart', 'Message', 'Shutdown']),
  async run(h) {
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [{ call: 'shutdown' }]);
    await h.start();
    const w0 = await h.waitEvent('WorkerStart', { worker_id: 0 });
    h.expectEqual('shutdown() in worker 0', true, (await w0.done)[0]?.ret);
    await h.waitEvent('Shutdown', { role: 'master' });
    const ret = await h.waitEvent('Return', { role: 'master' });
    h.expectEqual('start() returns null', null, ret.args.ret);
    h.expectEqual('master exit', { code: 0, signal: null }, await h.waitExit(8000));
  },
});
