import { defineCase } from '../../case.ts';
import { connectTcp, stopServer } from '../finish.ts';
import type { BoundPort } from '../../protocol/messages.ts';
import { tcpServer } from '../scenarios.ts';
import { SWOOLE_BASE, SWOOLE_SOCK_TCP } from '../../../reference/constants.ts';

// S1/P6: a process runs one Server, and no Pool beside it. Both are tried inside a callback of the
// running server, where Swoole (which refuses from construction on) and ours (from start on) agree.
export default defineCase({
  id: 'server.base.one-server',
  title: 'while a server runs, new Server and new Pool throw in its process, and the server still serves',
  clauses: ['server.base.one-server', 'server.base.no-pool-beside'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    h.onEvent('WorkerStart', undefined, () => [
      { construct: { class: 'Server', args: ['127.0.0.1', 0, SWOOLE_BASE, SWOOLE_SOCK_TCP] } },
      { construct: { class: 'Pool', args: [1] } },
    ]);
    h.onEvent('Receive', undefined, () => [{ call: 'send', args: [{ $arg: 'fd' }, { $arg: 'data' }] }]);
    await h.start();
    const init = await h.waitEvent('Init');
    const [server, pool] = await (await h.waitEvent('WorkerStart')).done;
    const port = (init.args.ports as BoundPort[])[0];
    h.expectTrue('a second Server throws "server is running"', /server is running/i.test(server?.threw?.message ?? ''), server);
    h.expectTrue('a Pool throws "cannot create server and process pool instances simultaneously"', /cannot create server and process pool instances simultaneously/i.test(pool?.threw?.message ?? ''), pool);
    const { client } = await connectTcp(h, port!);
    await client.write(Buffer.from('still here'));
    await h.waitEvent('Receive');
    h.expectEqual('the running server still echoes', 'still here', (await client.readAtLeast(10, h.ms(5000))).toString());
    await stopServer(h);
  },
});
