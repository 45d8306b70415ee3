import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { stopPool } from '../finish.ts';

// Coroutine pool: stop() in worker 0 runs onWorkerExit (at least once) before onWorkerStop, and
// the slot is respawned.
export default [
  defineCase({
    id: 'pool.lifecycle.worker-exit',
    title: 'A stopping coroutine worker runs onWorkerExit before onWorkerStop and is respawned',
    clauses: ['pool.lifecycle.worker-exit'],
    features: ['pool', 'pool.ipc.unixsock', 'pool.coroutine', 'pool.supervision'],
    scenario: { kind: 'pool', args: { worker_num: 2, ipc_type: SWOOLE_IPC_UNIXSOCK, msgqueue_key: 0, enable_coroutine: true }, events: ['WorkerStart', 'WorkerExit', 'WorkerStop', 'Message'] },
    async run(h) {
      let first: number | undefined;
      h.onEvent('WorkerStart', { worker_id: 0 }, (e) => {
        if (first !== undefined) return [];
        first = e.pid;
        return [{ call: 'stop' }];
      });
      await h.start();
      const a = await h.waitEvent('WorkerStart', { worker_id: 0 });
      const exit = await h.waitEvent('WorkerExit', { pid: a.pid });
      h.expectEqual('onWorkerExit(0)', { worker_id: 0 }, exit.args);
      const stop = await h.waitEvent('WorkerStop', { pid: a.pid });
      h.expectTrue('onWorkerExit before onWorkerStop', exit.line < stop.line, h.traceSummary());
      await h.waitEvent('WorkerStart', { worker_id: 0, where: (e) => e.pid !== a.pid });
      h.expectNoEvent('no onWorkerExit in the worker that was not stopped', 'WorkerExit', { worker_id: 1 });
      await stopPool(h);
    },
  }),
  defineCase({
    id: 'pool.lifecycle.worker-exit-needs-coroutine',
    title: 'onWorkerExit without enable_coroutine makes start() fail; no worker starts',
    clauses: ['pool.lifecycle.worker-exit'],
    features: ['pool', 'pool.ipc.unixsock'],
    scenario: { kind: 'pool', args: { worker_num: 1, ipc_type: SWOOLE_IPC_UNIXSOCK, msgqueue_key: 0, enable_coroutine: false }, events: ['WorkerStart', 'WorkerExit', 'Message'] },
    async run(h) {
      await h.start();
      const ret = await h.waitEvent('Return', { role: 'master' });
      const threw = ret.args.threw as { code?: number | null } | undefined;
      h.expectTrue('start() refused (threw, or returned false)', threw !== undefined || ret.args.ret === false, ret.args);
      if (threw) h.expectEqual('exception code', 505, threw.code);
      h.expectNoEvent('no worker started', 'WorkerStart');
      await h.waitExit(5000);
    },
  }),
];
