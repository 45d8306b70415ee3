import { defineCase } from '../../case.ts';
import { expected } from '../expect-bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// pause() in onConnect: nothing is read; a second connection's onReceive resumes the first, and
// what waited in the kernel arrives then.
export default defineCase({
  id: 'server.base.pause',
  title: 'pause(fd) stops reading (repeatable); resume(fd) delivers what waited',
  clauses: ['server.base.pause'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    let paused = -1;
    h.onEvent('Connect', undefined, (e) => {
      if (paused !== -1) return [];
      paused = e.args.fd as number;
      return [{ call: 'pause', args: [paused] }, { call: 'pause', args: [paused] }];
    });
    h.onEvent('Receive', { where: (e) => e.args.fd !== paused }, () => [{ call: 'resume', args: [paused] }]);
    const [port] = await startServer(h);
    const a = await connectTcp(h, port!);
    await a.client.write(Buffer.from('waited'));
    // The second connection's request is served while the first one's bytes wait unread.
    const b = await connectTcp(h, port!);
    await b.client.write(Buffer.from('wake'));
    const wake = await h.waitEvent('Receive', { where: (e) => e.args.fd === b.fd });
    const [resumed] = await wake.done;
    h.expectNoEvent('no onReceive for the paused connection before resume()', 'Receive', { where: (e) => e.args.fd === a.fd && e.seq < wake.seq });
    h.expectEqual('resume() returns true', true, resumed?.ret);
    const late = await h.waitEvent('Receive', { where: (e) => e.args.fd === a.fd });
    h.expectEqual('the waiting bytes arrive after resume()', expected(Buffer.from('waited')), late.args.data);
    await stopServer(h);
  },
});
