import { defineCase } from '../../case.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

const ALWAYS = ['server_port', 'server_fd', 'socket_fd', 'socket_type', 'remote_port', 'remote_ip', 'reactor_id', 'connect_time', 'last_time', 'last_recv_time', 'last_send_time', 'last_dispatch_time', 'close_errno', 'recv_queued_bytes', 'send_queued_bytes'];

// getClientInfo keys (S34): worker_id is omitted for worker 0 and uid while it is 0.
export default defineCase({
  id: 'server.session.client-info-keys',
  title: 'getClientInfo(fd) has the documented keys, the peer address, and omits uid 0 and worker_id 0',
  clauses: ['server.session.client-info-keys'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    h.onEvent('Receive', undefined, () => [{ call: 'getClientInfo', args: [{ $arg: 'fd' }] }, { call: 'getClientInfo', args: [999999] }]);
    const [port] = await startServer(h);
    const { client } = await connectTcp(h, port!);
    await client.write(Buffer.from('x'));
    const [info, unknown] = await (await h.waitEvent('Receive')).done;
    const ci = info?.ret as Record<string, unknown>;
    h.expectEqual('keys', [...ALWAYS].sort(), Object.keys(ci ?? {}).sort());
    h.expectEqual('server_port and remote_ip', { server_port: port!.port, remote_ip: '127.0.0.1' }, { server_port: ci.server_port, remote_ip: ci.remote_ip });
    h.expectTrue('connect_time and last_time are integers', Number.isInteger(ci.connect_time) && Number.isInteger(ci.last_time), ci);
    h.expectEqual('unknown fd', false, unknown?.ret);
    await stopServer(h);
  },
});
