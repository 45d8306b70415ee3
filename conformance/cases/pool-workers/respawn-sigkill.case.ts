import { respawnCase } from './respawn.ts';

export default respawnCase({
  id: 'pool.workers.respawn-after-sigkill',
  title: 'A SIGKILLed worker runs no onWorkerStop and is replaced in the same slot with a new pid',
  clauses: ['pool.workers.respawn-same-slot'],
  how: 'sigkill',
});
