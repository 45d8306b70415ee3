import { SWOOLE_IPC_NONE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { stopPool } from '../finish.ts';
import { poolOf } from '../scenarios.ts';

// A rate has no handshake: count starts over a fixed wall-clock window. Swoole 6.2.1 restarts
// such a worker about 345 times a second per slot; the bound leaves the reference's burst
// (8 at once, then 10 ms doubling to 1 s, per sliding second) a wide margin.
const WINDOW_MS = 2000;
const MAX_STARTS = 40;

export default defineCase({
  id: 'pool.workers.crash-backoff',
  title: 'A worker that exits at once is not respawned in a tight loop',
  clauses: ['pool.workers.crash-backoff'],
  features: ['pool', 'pool.ipc.none', 'pool.supervision'],
  // No onMessage: every onWorkerStart return ends the worker (P13), so each start is a crash.
  scenario: poolOf(SWOOLE_IPC_NONE, ['WorkerStart'], { workerNum: 1 }),
  async run(h) {
    await h.start();
    const first = await h.waitEvent('WorkerStart');
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const starts = h.events.filter((e) => e.name === 'WorkerStart' && e.at <= first.at + WINDOW_MS).length;
    h.expectTrue(`at most ${MAX_STARTS} starts of one slot in ${WINDOW_MS} ms`, starts <= MAX_STARTS, { starts });
    // A throttle, not a stop: the slot is still refilled.
    await h.waitEvent('WorkerStart', { where: (e) => e.pid !== first.pid });
    await stopPool(h);
  },
});
