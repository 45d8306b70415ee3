import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// Calls before start() (the Init pseudo-event runs before start): each refuses.
export default defineCase({
  id: 'server.base.before-start',
  title: 'Before start(), send/close/stats/getClientList/exist/shutdown return false and getMasterPid() is 0',
  clauses: ['server.base.before-start'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    h.onEvent('Init', undefined, () => [
      { call: 'send', args: [1, hexBytes('x')] },
      { call: 'close', args: [1] },
      { call: 'stats' },
      { call: 'getClientList', args: [0, 10] },
      { call: 'exist', args: [1] },
      { call: 'shutdown' },
      { call: 'getWorkerId' },
      { call: 'getMasterPid' },
      { call: 'getManagerPid' },
    ]);
    await h.start();
    const results = (await (await h.waitEvent('Init')).done).map((r) => r.ret);
    h.expectEqual('results in order', [false, false, false, false, false, false, false, 0, 0], results);
    // The server still starts normally afterwards.
    await h.waitEvent('WorkerStart');
    await stopServer(h);
  },
});
