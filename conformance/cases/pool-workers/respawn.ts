import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import type { Action } from '../../protocol/messages.ts';
import { waitExited } from '../../runner/proc.ts';
import { stopPool } from '../finish.ts';
import { LOOP_EVENTS, poolOf } from '../scenarios.ts';

/**
 * Worker 0's first process dies (`how`); the slot must be refilled by a new pid with id 0,
 * and worker 1 must be untouched. `stops` says whether the dying process runs onWorkerStop.
 */
export function respawnCase(o: { id: string; title: string; clauses: string[]; how: 'exit' | 'throw' | 'sigkill' }): ConformanceCase {
  return defineCase({
    id: o.id,
    title: o.title,
    clauses: o.clauses,
    features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
    scenario: poolOf(SWOOLE_IPC_UNIXSOCK, LOOP_EVENTS),
    async run(h) {
      let first: number | undefined;
      h.onEvent('WorkerStart', { worker_id: 0 }, (e): Action[] => {
        if (first !== undefined) return [];
        first = e.pid;
        return o.how === 'exit' ? [{ exit: 1 }] : o.how === 'throw' ? [{ throw: 'boom' }] : [];
      });
      await h.start();
      const w1 = await h.waitEvent('WorkerStart', { worker_id: 1 });
      const a = await h.waitEvent('WorkerStart', { worker_id: 0 });
      if (o.how === 'sigkill') {
        await a.done;
        h.signal(a.pid, 'SIGKILL');
      } else {
        // swoole-observed.md §d: exit(1) and an uncaught exception still run onWorkerStop.
        const stop = await h.waitEvent('WorkerStop', { pid: a.pid });
        h.expectEqual('onWorkerStop of the dying worker', { worker_id: 0 }, stop.args);
      }
      const b = await h.waitEvent('WorkerStart', { worker_id: 0, where: (e) => e.pid !== a.pid });
      h.expectTrue('the replacement has a new pid', b.pid !== a.pid && b.pid !== w1.pid, { old: a.pid, new: b.pid });
      h.expectEqual('the old process is gone', [], await waitExited([a.pid], h.ms(5000)));
      // The replacement started after the death, so an onWorkerStop would already be here.
      if (o.how === 'sigkill') h.expectNoEvent('a worker killed by a signal runs no onWorkerStop', 'WorkerStop', { pid: a.pid });
      h.expectNoEvent('worker 1 is untouched', 'WorkerStop', { pid: w1.pid });
      h.expectEqual('worker 1 started once', 1, h.events.filter((e) => e.name === 'WorkerStart' && e.worker_id === 1).length);
      await stopPool(h);
    },
  });
}
