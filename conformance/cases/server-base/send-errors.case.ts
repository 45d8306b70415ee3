import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// send() refusals, each with its last error; Swoole uses 503 for the two it warns about.
export default defineCase({
  id: 'server.base.send-errors',
  title: 'send() to fd 0, with empty data, or to an unknown session returns false with its error code',
  clauses: ['server.base.send-errors'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    h.onEvent('Receive', undefined, () => [
      { call: 'send', args: [0, hexBytes('x')] },
      { call: 'send', args: [{ $arg: 'fd' }, hexBytes('')] },
      { call: 'send', args: [999999, hexBytes('x')] },
      { call: 'pause', args: [999999] },
      { call: 'send', args: [{ $arg: 'fd' }, hexBytes('ok')] },
    ]);
    const [port] = await startServer(h);
    const { client } = await connectTcp(h, port!);
    await client.write(Buffer.from('go'));
    const [zero, empty, unknown, pause, ok] = await (await h.waitEvent('Receive')).done;
    h.expectEqual('send(0, …)', { ret: false, last_error: 1006 }, { ret: zero?.ret, last_error: zero?.last_error });
    h.expectEqual("send(fd, '')", { ret: false, last_error: 550 }, { ret: empty?.ret, last_error: empty?.last_error });
    h.expectEqual('send(unknown session, …)', { ret: false, last_error: 1005 }, { ret: unknown?.ret, last_error: unknown?.last_error });
    h.expectEqual('pause(unknown session)', { ret: false, last_error: 1005 }, { ret: pause?.ret, last_error: pause?.last_error });
    h.expectEqual('a valid send still works after the refusals', true, ok?.ret);
    h.expectEqual('client got only the valid send', 'ok', (await client.readAtLeast(2, h.ms(5000))).toString());
    await stopServer(h);
  },
});
