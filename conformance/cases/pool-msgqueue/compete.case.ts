import { SWOOLE_IPC_MSGQUEUE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { isBytesSummary } from '../../protocol/bytes.ts';
import { nativeAddon } from '../../runner/native.ts';
import { sha256 } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { poolOf } from '../scenarios.ts';
import { freshQueue, QUEUE_KEY, QUEUE_RESOURCE } from './queue.ts';

const COUNT = 12;

export default defineCase({
  id: 'pool.msgqueue.compete',
  title: 'Workers compete for one queue: every message is delivered exactly once, each worker in FIFO order',
  clauses: ['pool.msgqueue.compete', 'pool.msgqueue.fifo-exact'],
  features: ['pool', 'pool.ipc.msgqueue'],
  needs: ['native'],
  resources: [QUEUE_RESOURCE],
  scenario: poolOf(SWOOLE_IPC_MSGQUEUE, ['WorkerStart', 'Message'], { workerNum: 2, key: QUEUE_KEY }),
  async run(h) {
    const native = await nativeAddon();
    const id = freshQueue(h, native);
    // The first worker to get a message is held in onMessage until the other worker gets one:
    // only a shared, competed-for queue lets that happen.
    let release!: () => void;
    const otherGotOne = new Promise<void>((r) => (release = r));
    let holder: number | null = null;
    h.onEvent('Message', undefined, async (e) => {
      if (holder === null) holder = e.worker_id;
      else if (e.worker_id !== holder) release();
      if (e.worker_id === holder) await otherGotOne;
      return [];
    });
    await h.start();
    await h.waitEvents('WorkerStart', 2);
    const sent = Array.from({ length: COUNT }, (_, i) => Buffer.from(`message-${String(i).padStart(2, '0')}`));
    for (const m of sent) native.msgsnd(id, 1, m, true);
    const got = await h.waitEvents('Message', COUNT);
    const index = new Map(sent.map((m, i) => [sha256(m), i]));
    const seen = got.map((e) => {
      const d = e.args.data;
      return { worker: e.worker_id, i: isBytesSummary(d) ? (index.get(d.$bytes.sha256) ?? -1) : -1 };
    });
    h.expectEqual('each message exactly once', sent.map((_, i) => i), seen.map((s) => s.i).sort((a, b) => a - b));
    h.expectEqual('both workers got messages', [0, 1], [...new Set(seen.map((s) => s.worker))].sort());
    for (const w of [0, 1]) {
      const mine = seen.filter((s) => s.worker === w).map((s) => s.i);
      h.expectEqual(`worker ${w} got its messages in queue order`, [...mine].sort((a, b) => a - b), mine);
    }
    await stopPool(h);
  },
});
