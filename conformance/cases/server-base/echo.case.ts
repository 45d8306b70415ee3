import { defineCase } from '../../case.ts';
import { expected } from '../expect-bytes.ts';
import { startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// onConnect, onReceive with the bytes, send() back from inside onReceive, onClose on the peer's close.
export default defineCase({
  id: 'server.base.echo',
  title: 'A connection gets onConnect, its bytes reach onReceive, send() answers it, and the peer closing runs onClose',
  clauses: ['server.base.echo'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    h.onEvent('Receive', undefined, () => [{ call: 'send', args: [{ $arg: 'fd' }, { $arg: 'data' }] }]);
    const [port] = await startServer(h);
    h.expectTrue('Init reports the kernel-assigned port', port!.port > 0, port);
    const c = await h.connect({ host: '127.0.0.1', port: port!.port });
    const conn = await h.waitEvent('Connect');
    const fd = conn.args.fd as number;
    h.expectTrue('onConnect fd is a positive session id', Number.isInteger(fd) && fd > 0, conn.args);
    await c.write(Buffer.from('hello'));
    const rx = await h.waitEvent('Receive');
    h.expectEqual('onReceive fd and data', { fd, data: expected(Buffer.from('hello')) }, { fd: rx.args.fd, data: rx.args.data });
    const [sent] = await rx.done;
    h.expectEqual('send() inside onReceive', true, sent?.ret);
    h.expectEqual('client reads the echo', 'hello', (await c.readAtLeast(5, h.ms(5000))).toString());
    c.halfClose();
    const closed = await h.waitEvent('Close');
    h.expectEqual('onClose for the same fd', fd, closed.args.fd);
    h.expectTrue('a close by the client passes a real reactor id (not -1)', closed.args.reactor_id !== -1, closed.args);
    await stopServer(h);
  },
});
