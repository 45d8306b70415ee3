import { SWOOLE_IPC_MSGQUEUE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { nativeAddon } from '../../runner/native.ts';
import { expected } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';
import { poolOf } from '../scenarios.ts';
import { freshQueue, QUEUE_KEY, QUEUE_RESOURCE } from './queue.ts';

export default defineCase({
  id: 'pool.msgqueue.retained-fifo',
  title: 'Messages queued before start() are all delivered after it, in FIFO order, as exact mtext bytes; a fixed-key queue outlives the pool',
  clauses: ['pool.msgqueue.retained', 'pool.msgqueue.fifo-exact', 'pool.msgqueue.fixed-key'],
  features: ['pool', 'pool.ipc.msgqueue'],
  needs: ['native'],
  resources: [QUEUE_RESOURCE],
  scenario: poolOf(SWOOLE_IPC_MSGQUEUE, ['WorkerStart', 'Message'], { workerNum: 1, key: QUEUE_KEY }),
  async run(h) {
    const native = await nativeAddon();
    const id = freshQueue(h, native);
    // Binary, with NULs and high bytes, different sizes and mtypes (the mtype must not matter).
    const sent = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Buffer.concat([Buffer.from(JSON.stringify({ i })), Buffer.from([0, 0xff, i]), Buffer.alloc(i * 100, 0x41 + i)]));
    sent.forEach((m, i) => native.msgsnd(id, 1 + (i % 3), m, true));
    h.expectEqual('queued before start', sent.length, native.msgStat(id).qnum);
    await h.start();
    const got = await h.waitEvents('Message', sent.length);
    h.expectEqual('messages in order, exact bytes', sent.map((m) => ({ data: expected(m) })), got.map((e) => e.args));
    await stopPool(h);
    // A fixed key is never removed by the pool: the queue is still there, and empty.
    h.expectEqual('the queue outlives the pool, empty', 0, native.msgStat(native.msgget(QUEUE_KEY)).qnum);
  },
});
