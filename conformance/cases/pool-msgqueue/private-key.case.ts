import { SWOOLE_IPC_MSGQUEUE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { sysvQueues } from '../../runner/proc.ts';
import { stopPool } from '../finish.ts';
import { poolOf } from '../scenarios.ts';

const privateIds = () => new Set(sysvQueues().filter((q) => q.key === 0).map((q) => q.msqid));

export default defineCase({
  id: 'pool.msgqueue.private-key',
  title: 'With msgqueue_key 0 the pool uses a private queue of its own and removes it when it ends',
  clauses: ['pool.msgqueue.private-key'],
  features: ['pool', 'pool.ipc.msgqueue'],
  scenario: poolOf(SWOOLE_IPC_MSGQUEUE, ['WorkerStart', 'Message'], { key: 0 }),
  async run(h) {
    const before = privateIds();
    await h.start();
    await h.waitEvents('WorkerStart', 2);
    // Private queues other processes may create meanwhile are told apart by what they do after.
    const created = [...privateIds()].filter((id) => !before.has(id));
    h.expectTrue('a private (key 0) queue exists while the pool runs', created.length >= 1, { created });
    await stopPool(h);
    const left = privateIds();
    h.expectTrue('the private queue is removed when the pool ends', created.some((id) => !left.has(id)), { created, stillThere: created.filter((id) => left.has(id)) });
  },
});
