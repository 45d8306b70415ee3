import { defineCase } from '../../case.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// getClientList(start, count): ids above start, ascending, at most count; count > 100 is false.
export default defineCase({
  id: 'server.session.client-list',
  title: 'getClientList pages live session ids in ascending order; count > 100 is refused',
  clauses: ['server.session.client-list', 'server.session.exist'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    const fds: number[] = [];
    h.onEvent('Receive', undefined, () => [
      { call: 'getClientList', args: [0, 10] },
      { call: 'getClientList', args: [fds[0], 2] },
      { call: 'getClientList', args: [0, 101] },
      { call: 'exist', args: [fds[1]] },
      { call: 'exist', args: [999999] },
    ]);
    const [port] = await startServer(h);
    const conns = [];
    for (let i = 0; i < 4; i++) conns.push(await connectTcp(h, port!));
    fds.push(...conns.map((c) => c.fd));
    // Close one and wait for its onClose, so the list is settled.
    conns[1]!.client.destroy();
    await h.waitEvent('Close', { where: (e) => e.args.fd === fds[1] });
    await conns[0]!.client.write(Buffer.from('list'));
    const [all, page, tooMany, gone, unknown] = await (await h.waitEvent('Receive')).done;
    const live = [fds[0]!, fds[2]!, fds[3]!].sort((a, b) => a - b);
    h.expectEqual('getClientList(0, 10)', live, all?.ret);
    h.expectEqual('getClientList(first, 2)', live.filter((f) => f > fds[0]!).slice(0, 2), page?.ret);
    h.expectEqual('getClientList(0, 101)', false, tooMany?.ret);
    h.expectEqual('exist() of the closed session and of an unknown id', [false, false], [gone?.ret, unknown?.ret]);
    await stopServer(h);
  },
});
