import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SWOOLE_BASE, SWOOLE_SOCK_TCP, SWOOLE_SOCK_UNIX_STREAM } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { expected } from '../expect-bytes.ts';
import { startServer, stopServer } from '../finish.ts';

// A unix-stream listener with its own protocol (EOF split) and its own onReceive; onConnect is
// inherited from the server; the TCP main port keeps the length protocol and the server's onReceive.
export default defineCase({
  id: 'server.base.listeners',
  title: "addListener: a port's own set() and onReceive apply to it only; the socket file is removed at shutdown",
  clauses: ['server.base.listeners'],
  features: ['server', 'server.base', 'server.tcp', 'server.unix', 'server.multi-port', 'framing.length', 'framing.eof'],
  scenario: ({ tmpdir }) => ({
    kind: 'server',
    host: '127.0.0.1',
    port: 0,
    mode: SWOOLE_BASE,
    sock_type: SWOOLE_SOCK_TCP,
    set: { worker_num: 1, open_length_check: true, package_length_type: 'N', package_body_offset: 4 },
    events: ['Connect', 'Receive', 'WorkerStart'],
    listeners: [{ host: join(tmpdir, 'side.sock'), port: 0, sock_type: SWOOLE_SOCK_UNIX_STREAM, set: { open_eof_split: true, package_eof: '\r\n' }, events: ['Receive'] }],
  }),
  async run(h) {
    const path = join(h.tmpdir, 'side.sock');
    const [main] = await startServer(h);
    const tcp = await h.connect({ host: '127.0.0.1', port: main!.port });
    const tcpFd = (await h.waitEvent('Connect')).args.fd;
    await tcp.write(Buffer.from('00000002686921', 'hex'));
    const framed = await h.waitEvent('Receive', { where: (e) => e.args.fd === tcpFd });
    // 7 bytes sent: one 6-byte packet (header + "hi"); the trailing byte waits as a partial header.
    h.expectEqual('main port: the length frame via the server callback', { fd: tcpFd, data: expected(Buffer.from('000000026869', 'hex')), listener: undefined }, { fd: framed.args.fd, data: framed.args.data, listener: framed.args.listener });
    const side = await h.connect({ path });
    const sideConnect = await h.waitEvent('Connect');
    h.expectEqual("the listener inherits the server's onConnect", undefined, sideConnect.args.listener);
    await side.write(Buffer.from('a\r\nb\r\n'));
    const [x, y] = await h.waitEvents('Receive', 2, { where: (e) => e.args.fd === sideConnect.args.fd });
    h.expectEqual("listener: EOF-split packets via the port's own onReceive", [{ data: expected(Buffer.from('a\r\n')), listener: 1 }, { data: expected(Buffer.from('b\r\n')), listener: 1 }], [x, y].map((e) => ({ data: e!.args.data, listener: e!.args.listener })));
    tcp.destroy();
    side.destroy();
    h.expectTrue('socket file exists while serving', existsSync(path));
    await stopServer(h);
    h.expectTrue('socket file removed at shutdown', !existsSync(path));
  },
});
