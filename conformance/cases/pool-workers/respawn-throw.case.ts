import { respawnCase } from './respawn.ts';

export default respawnCase({
  id: 'pool.workers.respawn-after-throw',
  title: 'An uncaught exception in onWorkerStart runs onWorkerStop; the slot is refilled with the same id and a new pid',
  clauses: ['pool.workers.respawn-same-slot', 'pool.workers.exit-runs-worker-stop'],
  how: 'throw',
});
