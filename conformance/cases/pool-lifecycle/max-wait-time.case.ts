import { SWOOLE_IPC_NONE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { hasExited } from '../../runner/proc.ts';
import { poolOf } from '../scenarios.ts';

// The workers would sleep this long; the pool must not wait for them.
const SLEEP_MS = 30000;

export default defineCase({
  id: 'pool.lifecycle.max-wait-time',
  title: 'Workers that ignore the shutdown SIGTERM are SIGKILLed after max_wait_time, then start() returns null',
  clauses: ['pool.lifecycle.max-wait-time', 'pool.lifecycle.shutdown-order'],
  features: ['pool', 'pool.ipc.none', 'pool.supervision'],
  // ipc NONE: no message loop, so no SIGTERM handler of the pool's own (P24) overrides ours.
  scenario: poolOf(SWOOLE_IPC_NONE, ['WorkerStart', 'WorkerStop'], { set: { max_wait_time: 1 } }),
  async run(h) {
    // onWorkerStart ignores SIGTERM and returns; the worker then sits in onWorkerStop (P13).
    h.onEvent('WorkerStart', undefined, () => [{ ignore_signal: 'SIGTERM' }]);
    h.onEvent('WorkerStop', undefined, () => [{ sleep_ms: SLEEP_MS }]);
    let returnSawLive: number[] = [];
    await h.start();
    // A WorkerStop means that worker's onWorkerStart (and so the ignore) has completed.
    const stops = await h.waitEvents('WorkerStop', 2);
    const pids = stops.map((s) => s.pid);
    h.expectEqual('both slots are held by a sleeping worker', 2, new Set(stops.map((s) => s.worker_id)).size);
    h.onEvent('Return', undefined, () => {
      returnSawLive = pids.filter((p) => !hasExited(p));
      return [];
    });
    const t0 = Date.now();
    h.signal(h.masterPid, 'SIGTERM');
    const ret = await h.waitEvent('Return', { role: 'master' }, 10000);
    const waited = Date.now() - t0;
    h.expectEqual('start() returns null', null, ret.args.ret);
    h.expectEqual('workers still running when start() returned', [], returnSawLive);
    // Nothing but the SIGKILL could end them: not before max_wait_time, long before the sleep.
    h.expectTrue('the master waited about max_wait_time (1 s) before the SIGKILL', waited >= 900 && waited < SLEEP_MS / 2, { waitedMs: waited });
    h.expectEqual('master exit', { code: 0, signal: null }, await h.waitExit(8000));
  },
});
