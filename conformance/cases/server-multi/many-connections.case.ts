import { SWOOLE_BASE, SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import type { RawClient } from '../../runner/raw-client.ts';
import { startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

const N = 1000;

// 1,000 clients open at once (the runner needs ~1,000 fds, the server as many: see ulimit -n),
// each sends one frame and must get its own echo back on its own connection.
function manyConnections(mode: number, name: string) {
  return defineCase({
    id: `server.multi.many-connections-${name}`,
    title: `${name.toUpperCase()} mode, 2 workers: 1,000 concurrent connections each echo one frame on their own connection`,
    clauses: ['server.multi.many-connections'],
    features: ['server', mode === SWOOLE_BASE ? 'server.base' : 'server.process', 'server.tcp', 'framing.length'],
    budgetMs: 120000,
    // No Connect/Close events: 2,000 round trips to the runner would be the test, not the server.
    scenario: multiServer(mode, { max_connection: 4 * N }, ['Receive', 'WorkerStart']),
    async run(h) {
      h.onEvent('Receive', undefined, () => [{ call: 'send', args: [{ $arg: 'fd' }, { $arg: 'data' }] }]);
      const [port] = await startServer(h, 2);
      const clients: RawClient[] = [];
      for (let i = 0; i < N; i++) clients.push(await h.connect({ host: '127.0.0.1', port: port!.port }));
      // Every connection is open before any frame is sent: they are concurrent.
      const frames = clients.map((_, i) => lengthFrame(`conn-${i}`));
      await Promise.all(clients.map((c, i) => c.write(frames[i]!)));
      const got = await Promise.all(clients.map((c, i) => c.readAtLeast(frames[i]!.length, h.ms(60000))));
      const wrong = got.map((g, i) => (g.equals(frames[i]!) ? -1 : i)).filter((i) => i >= 0);
      h.expectEqual('every connection got exactly its own frame back', [], wrong.slice(0, 10));
      const workers = new Set(h.events.filter((e) => e.name === 'Receive').map((e) => e.worker_id));
      h.expectEqual('onReceive ran once per connection', N, h.events.filter((e) => e.name === 'Receive').length);
      h.expectTrue('both workers served', workers.size === 2, [...workers]);
      for (const c of clients) c.destroy();
      await stopServer(h);
    },
  });
}

export default [manyConnections(SWOOLE_BASE, 'base'), manyConnections(SWOOLE_PROCESS, 'process')];
