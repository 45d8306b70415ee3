import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import { hasExited } from '../../runner/proc.ts';
import { stopPool } from '../finish.ts';
import { LOOP_EVENTS, poolOf } from '../scenarios.ts';

const N = 3;
// Each old worker lingers in onWorkerStop (a slow handler), so a master that signalled the
// next worker before this one exited would be caught with two old workers alive.
const LINGER_MS = 300;

/** A rolling reload triggered by `signal`: every worker replaced, one at a time, in id order. */
export function reloadCase(signal: 'SIGUSR1' | 'SIGUSR2'): ConformanceCase {
  return defineCase({
    id: `pool.signals.reload-${signal.toLowerCase()}`,
    title: `${signal} to the master replaces every worker one at a time in id order, same ids, new pids`,
    clauses: ['pool.signals.reload'],
    features: ['pool', 'pool.ipc.unixsock', 'pool.supervision'],
    // max_wait_time well above N × LINGER_MS: the reload's SIGKILL timer covers all of it (P25).
    scenario: poolOf(SWOOLE_IPC_UNIXSOCK, LOOP_EVENTS, { workerNum: N, set: { max_wait_time: 10 } }),
    async run(h) {
      const old = new Map<number, number>(); // pid → id of the first generation
      // For each old worker's onWorkerStop: which other old workers were still alive then.
      const aliveAtStop = new Map<number, number[]>();
      h.onEvent('WorkerStop', undefined, (e) => {
        if (!old.has(e.pid)) return [];
        aliveAtStop.set(old.get(e.pid)!, [...old].filter(([pid]) => pid !== e.pid && !hasExited(pid)).map(([, id]) => id));
        return [{ sleep_ms: LINGER_MS }];
      });
      await h.start();
      for (const w of await h.waitEvents('WorkerStart', N)) old.set(w.pid, w.worker_id!);
      h.signal(h.masterPid, signal);
      const stops = [];
      for (const [pid] of [...old].sort((x, y) => x[1] - y[1])) stops.push(await h.waitEvent('WorkerStop', { pid }, 15000));
      h.expectEqual('old workers stop in id order', [0, 1, 2], [...stops].sort((x, y) => x.seq - y.seq).map((s) => old.get(s.pid)));
      // One at a time: when worker k starts stopping, every old worker before it is gone.
      for (let k = 0; k < N; k++) {
        const alive = aliveAtStop.get(k) ?? [];
        h.expectTrue(`old workers before ${k} are gone when ${k} stops`, alive.every((id) => id > k), { aliveAtStop: Object.fromEntries(aliveAtStop) });
      }
      const fresh = [];
      for (let id = 0; id < N; id++) fresh.push(await h.waitEvent('WorkerStart', { worker_id: id, where: (e) => !old.has(e.pid) }, 15000));
      h.expectEqual('replacements have distinct new pids', N, new Set(fresh.map((w) => w.pid)).size);
      for (const w of fresh) h.expectTrue(`replacement ${w.worker_id} starts after old ${w.worker_id} stopped`, w.seq > stops[w.worker_id!]!.seq);
      await stopPool(h);
    },
  });
}
