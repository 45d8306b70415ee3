import { defineCase } from '../../case.ts';
import type { ConformanceCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { stopPool } from '../finish.ts';
import { unixsockPool } from '../scenarios.ts';
import { atInit, misusePool } from './construct.ts';

const beforeStart: ConformanceCase = defineCase({
  id: 'pool.api.send-message-before-start',
  title: 'sendMessage() before start() returns false',
  clauses: ['pool.api.send-message', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: misusePool({ worker_num: 2 }),
  async run(h) {
    const { results } = await atInit(h, [{ call: 'sendMessage', args: [hexBytes('early'), 0] }]);
    h.expectEqual('sendMessage() before start', false, results[0]?.ret);
    h.expectEqual('it does not throw', undefined, results[0]?.threw);
  },
});

const invalidId: ConformanceCase = defineCase({
  id: 'pool.api.send-message-invalid-id',
  title: 'sendMessage() to -1 or to worker_num returns false with error 503, and nothing is delivered',
  clauses: ['pool.api.send-message', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: unixsockPool({}, 2),
  async run(h) {
    h.onEvent('WorkerStart', { worker_id: 0 }, () => [
      { call: 'sendMessage', args: [hexBytes('to-nobody'), -1] },
      { call: 'sendMessage', args: [hexBytes('to-nobody'), 2] },
      // A valid send after them: the handshake that proves nothing else was delivered.
      { call: 'sendMessage', args: [hexBytes('sentinel'), 1] },
    ]);
    await h.start();
    const w0 = await h.waitEvent('WorkerStart', { worker_id: 0 });
    const r = await w0.done;
    h.expectEqual('sendMessage(x, -1) and (x, 2)', [{ ret: false, last_error: 503 }, { ret: false, last_error: 503 }], r.slice(0, 2).map((x) => ({ ret: x.ret, last_error: x.last_error })));
    await h.waitEvent('Message', { worker_id: 1 });
    h.expectEqual('messages delivered', 1, h.events.filter((e) => e.name === 'Message').length);
    await stopPool(h);
  },
});

export default [beforeStart, invalidId];
