import { defineCase } from '../../case.ts';
import { expected } from '../expect-bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// enable_delay_receive: a connection is read only after confirm(fd). The first connection stays
// unconfirmed; the second is confirmed in its onConnect and, in its onReceive, confirms the first.
export default defineCase({
  id: 'server.base.delay-receive',
  title: 'With enable_delay_receive nothing is read before confirm(fd); confirm delivers what waited',
  clauses: ['server.base.delay-receive'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({ enable_delay_receive: true }),
  async run(h) {
    let first = -1;
    h.onEvent('Connect', undefined, (e) => {
      if (first === -1) {
        first = e.args.fd as number;
        return [{ call: 'getClientList', args: [0, 10] }];
      }
      return [{ call: 'confirm', args: [{ $arg: 'fd' }] }];
    });
    h.onEvent('Receive', { where: (e) => e.args.fd !== first }, () => [{ call: 'confirm', args: [first] }, { call: 'confirm', args: [first] }]);
    const [port] = await startServer(h);
    const a = await connectTcp(h, port!);
    await a.client.write(Buffer.from('early'));
    const b = await connectTcp(h, port!);
    await b.client.write(Buffer.from('go'));
    const go = await h.waitEvent('Receive', { where: (e) => e.args.fd === b.fd });
    const [confirmed, again] = await go.done;
    h.expectNoEvent('no onReceive before confirm()', 'Receive', { where: (e) => e.args.fd === a.fd && e.seq < go.seq });
    h.expectEqual('confirm() returns true, and again on a confirmed connection', [true, true], [confirmed?.ret, again?.ret]);
    const late = await h.waitEvent('Receive', { where: (e) => e.args.fd === a.fd });
    h.expectEqual('bytes sent before confirm() arrive after it', expected(Buffer.from('early')), late.args.data);
    const listed = (await h.events.find((e) => e.name === 'Connect' && e.args.fd === a.fd)!.done)[0];
    h.expectTrue('the unconfirmed connection is listed by getClientList', Array.isArray(listed?.ret) && (listed.ret as number[]).includes(a.fd), listed?.ret);
    await stopServer(h);
  },
});
