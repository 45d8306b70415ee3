import { SWOOLE_IPC_NONE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { atInit, misusePool } from './construct.ts';

export default defineCase({
  id: 'pool.api.message-with-ipc-none',
  title: "on('Message') on an ipc NONE pool throws (code 505)",
  clauses: ['pool.api.message-with-ipc-none', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.none'],
  scenario: misusePool({ ipc_type: SWOOLE_IPC_NONE, events: ['WorkerStart', 'Message'] }),
  async run(h) {
    const { init } = await atInit(h);
    h.expectEqual('onWorkerStart registers', true, init.on?.WorkerStart?.ret);
    const threw = init.on?.Message?.threw;
    h.expectTrue("on('Message') throws", threw !== undefined, init.on?.Message);
    h.expectEqual('exception code', 505, threw?.code);
  },
});
