import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { stopPool } from '../finish.ts';
import { poolOf } from '../scenarios.ts';

const N = 3;

export default defineCase({
  id: 'pool.workers.ids',
  title: 'onStart runs in the master before any worker starts; workers carry ids 0..N-1, distinct pids and master_pid',
  clauses: ['pool.workers.ids'],
  features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
  scenario: poolOf(SWOOLE_IPC_UNIXSOCK, ['Start', 'WorkerStart', 'Message'], { workerNum: N }),
  async run(h) {
    // Whatever the master reports in onStart, and how many workers had started by then.
    let startedBeforeOnStart = -1;
    h.onEvent('Start', undefined, () => {
      startedBeforeOnStart = h.events.filter((e) => e.name === 'WorkerStart').length;
      return [{ report: ['master_pid'] }];
    });
    h.onEvent('WorkerStart', undefined, () => [{ report: ['workerId', 'workerPid', 'master_pid'] }]);
    await h.start();
    const start = await h.waitEvent('Start');
    const starts = await h.waitEvents('WorkerStart', N);
    h.expectEqual('onStart runs in the master', 'master', start.role);
    h.expectEqual('workers started before onStart was delegated', 0, startedBeforeOnStart);
    h.expectTrue('every onWorkerStart comes after onStart', starts.every((w) => w.seq > start.seq), starts.map((w) => w.seq));
    h.expectEqual('master_pid in onStart', [{ ret: { master_pid: h.masterPid } }], await start.done);
    h.expectEqual('worker ids', [0, 1, 2], starts.map((w) => w.worker_id).sort());
    h.expectEqual('distinct worker pids', N, new Set(starts.map((w) => w.pid)).size);
    h.expectTrue('no worker is the master', starts.every((w) => w.pid !== h.masterPid));
    for (const w of starts) {
      h.expectEqual(`pool properties in worker ${w.worker_id}`, [{ ret: { workerId: w.worker_id, workerPid: w.pid, master_pid: h.masterPid } }], await w.done);
    }
    await stopPool(h);
  },
});
