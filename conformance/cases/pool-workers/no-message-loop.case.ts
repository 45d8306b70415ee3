import { SWOOLE_IPC_NONE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { waitExited } from '../../runner/proc.ts';
import { stopPool } from '../finish.ts';
import { poolOf } from '../scenarios.ts';

export default defineCase({
  id: 'pool.workers.no-message-loop',
  title: 'A worker without onMessage (ipc NONE) runs onWorkerStart, then onWorkerStop, exits and is respawned with the same id',
  clauses: ['pool.workers.no-message-loop', 'pool.workers.respawn-same-slot'],
  features: ['pool', 'pool.ipc.none', 'pool.supervision'],
  scenario: poolOf(SWOOLE_IPC_NONE, ['WorkerStart', 'WorkerStop'], { workerNum: 1 }),
  async run(h) {
    await h.start();
    const a = await h.waitEvent('WorkerStart', { worker_id: 0 });
    const stop = await h.waitEvent('WorkerStop', { pid: a.pid });
    h.expectEqual('onWorkerStop args', { worker_id: 0 }, stop.args);
    h.expectTrue('onWorkerStop after onWorkerStart', stop.seq > a.seq);
    const b = await h.waitEvent('WorkerStart', { worker_id: 0, where: (e) => e.pid !== a.pid });
    h.expectTrue('the respawn comes after onWorkerStop', b.seq > stop.seq);
    h.expectEqual('the first process exited', [], await waitExited([a.pid], h.ms(5000)));
    await stopPool(h);
  },
});
