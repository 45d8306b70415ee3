import { SWOOLE_IPC_MSGQUEUE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { nativeAddon } from '../../runner/native.ts';
import { expected } from '../expect-bytes.ts';
import { stopPool } from '../finish.ts';

// A fixed key is a system-wide name: the case holds it exclusively and removes the queue after.
const KEY = 0x5357c001;

export default defineCase({
  id: 'pool.msgqueue.retained-fifo',
  title: 'Messages queued before start() are delivered to the pool in FIFO order, as exact mtext bytes',
  clauses: ['framing.msgqueue.fifo'],
  features: ['pool', 'pool.ipc.msgqueue'],
  needs: ['native'],
  resources: [`msgqueue:${KEY}`],
  scenario: { kind: 'pool', args: { worker_num: 1, ipc_type: SWOOLE_IPC_MSGQUEUE, msgqueue_key: KEY, enable_coroutine: false }, events: ['WorkerStart', 'Message'] },
  async run(h) {
    const native = await nativeAddon();
    const id = native.msgget(KEY, { create: true, mode: 0o600 });
    h.onTeardown(() => native.msgRemove(native.msgget(KEY)));
    const sent = [1, 2, 3, 4, 5].map((i) => Buffer.from(JSON.stringify({ i })));
    sent.forEach((m, i) => native.msgsnd(id, i + 1, m, true));
    await h.start();
    const got = await h.waitEvents('Message', sent.length);
    h.expectEqual('messages in order', sent.map((m) => ({ data: expected(m) })), got.map((e) => e.args));
    await stopPool(h);
  },
});
