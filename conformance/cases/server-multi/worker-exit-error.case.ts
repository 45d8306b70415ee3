import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { multiServer } from '../scenarios.ts';

// Server, unlike Pool: a worker's exit(1) is abnormal; onWorkerError(id, pid, 1, 0) runs in the
// manager and the slot is respawned with a new pid.
export default defineCase({
  id: 'server.workers.exit-code-error',
  title: 'A worker that exits with code 1 makes the manager run onWorkerError(id, pid, 1, 0) and respawn it',
  clauses: ['server.multi.worker-error'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: multiServer(SWOOLE_BASE, {}, ['Receive', 'WorkerStart', 'WorkerError']),
  async run(h) {
    let exited = false;
    h.onEvent('WorkerStart', { worker_id: 1 }, () => {
      if (exited) return [];
      exited = true;
      return [{ exit: 1 }];
    });
    await h.start();
    await h.waitEvent('Init');
    const first = await h.waitEvent('WorkerStart', { worker_id: 1 });
    const err = await h.waitEvent('WorkerError');
    h.expectEqual('onWorkerError args', { worker_id: 1, worker_pid: first.pid, exit_code: 1, signal: 0 }, err.args);
    h.expectEqual('runs in the manager', 'manager', err.role);
    const again = await h.waitEvent('WorkerStart', { worker_id: 1, where: (e) => e.pid !== first.pid });
    h.expectTrue('respawned with a new pid', again.pid !== first.pid, { old: first.pid, new: again.pid });
    await stopServer(h);
  },
});
