import { defineCase } from '../../case.ts';
import { startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// close() from the server: onClose with reactor_id -1 runs before close() returns true, the
// client sees EOF, and a second close() of the same fd fails.
export default defineCase({
  id: 'server.base.close',
  title: 'close(fd) runs onClose(fd, -1) before it returns true; the client sees EOF; exist() is then false',
  clauses: ['server.base.close'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    h.onEvent('Receive', undefined, () => [
      { call: 'close', args: [{ $arg: 'fd' }] },
      { call: 'exist', args: [{ $arg: 'fd' }] },
      { call: 'close', args: [{ $arg: 'fd' }] },
    ]);
    const [port] = await startServer(h);
    const c = await h.connect({ host: '127.0.0.1', port: port!.port });
    const fd = (await h.waitEvent('Connect')).args.fd;
    await c.write(Buffer.from('bye'));
    const rx = await h.waitEvent('Receive');
    // onClose is delegated from inside close(), so it reaches the runner before Receive's done.
    const closed = await h.waitEvent('Close');
    h.expectEqual('onClose for the fd, reactor_id -1 (closed by the server)', { fd, reactor_id: -1 }, closed.args);
    const [first, exist, second] = await rx.done;
    h.expectTrue('onClose was reported before the actions of onReceive finished (it runs inside close())', closed.line < rx.doneLine!, { close: closed.line, receiveDone: rx.doneLine });
    h.expectEqual('close() returns true', true, first?.ret);
    h.expectEqual('exist() after close()', false, exist?.ret);
    h.expectEqual('second close() returns false', false, second?.ret);
    const out = await c.outcome(h.ms(5000));
    h.expectEqual('client sees EOF', 'eof', out.close);
    await stopServer(h);
  },
});
