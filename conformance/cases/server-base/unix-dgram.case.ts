import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SWOOLE_BASE, SWOOLE_SOCK_UNIX_DGRAM } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { expected } from '../expect-bytes.ts';
import { startServer, stopServer } from '../finish.ts';
import { UnixDgramPeer } from '../dgram-peers.ts';

// A unix dgram server: each datagram is one onPacket whatever the framing options; the sender's
// bound path is clientInfo.address (no port key); send(path, data, server_socket) replies from
// the server's path; the socket file exists while serving and is removed at shutdown (h9).
export default defineCase({
  id: 'server.dgram.unix-port',
  title: 'Unix dgram port: one datagram one onPacket with the sender path, send(path) replies from the server path, file removed at shutdown',
  clauses: ['server.dgram.unix-port', 'server.dgram.client-info'],
  features: ['server', 'server.base', 'server.unix-dgram'],
  scenario: ({ tmpdir }) => ({
    kind: 'server',
    host: join(tmpdir, 'srv.sock'),
    port: 0,
    mode: SWOOLE_BASE,
    sock_type: SWOOLE_SOCK_UNIX_DGRAM,
    set: { worker_num: 1, open_eof_split: true, package_eof: '\r\n' },
    events: ['Packet', 'WorkerStart'],
  }),
  async run(h) {
    const path = join(h.tmpdir, 'srv.sock');
    h.onEvent('Packet', undefined, (e) => {
      const info = e.args.client_info as { address: string; server_socket: number };
      return [{ call: 'send', args: [info.address, hexBytes('re:'), info.server_socket] }];
    });
    await startServer(h);
    h.expectTrue('socket file exists while serving', existsSync(path));
    const peer = await UnixDgramPeer.open(h, join(h.tmpdir, 'c.sock'));
    peer.send('a\r\nb\r\n', path);
    const p = await h.waitEvent('Packet');
    h.expectEqual('the whole datagram, EOF options ignored', expected(Buffer.from('a\r\nb\r\n')), p.args.data);
    const info = p.args.client_info as Record<string, unknown>;
    h.expectEqual('clientInfo keys (no port)', ['server_socket', 'dispatch_time', 'server_port', 'address'], Object.keys(info));
    h.expectEqual('address is the sender path; server_port 0', { address: peer.path, server_port: 0 }, { address: info.address, server_port: info.server_port });
    h.expectEqual('send(path, …) returned true', true, (await p.done)[0]?.ret);
    const [reply] = await peer.atLeast(1, h.ms(5000));
    h.expectEqual('the reply comes from the server path', { data: 're:', address: path }, { data: reply!.data.toString(), address: reply!.address });
    await stopServer(h);
    h.expectTrue('socket file removed at shutdown', !existsSync(path));
  },
});
