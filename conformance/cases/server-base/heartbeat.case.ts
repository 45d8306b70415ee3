import { defineCase } from '../../case.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// heartbeat_check_interval 1, heartbeat_idle_time 1: a silent client is closed at a check
// (EOF, onClose with a real reactor id); a protected one is kept.
export default defineCase({
  id: 'server.base.heartbeat',
  title: 'A connection silent for heartbeat_idle_time is closed at the next check; protect(fd) exempts it',
  clauses: ['server.base.heartbeat'],
  features: ['server', 'server.base', 'server.tcp', 'server.heartbeat'],
  scenario: tcpServer({ heartbeat_check_interval: 1, heartbeat_idle_time: 1 }),
  async run(h) {
    let n = 0;
    h.onEvent('Connect', undefined, (e) => (n++ === 1 ? [{ call: 'protect', args: [e.args.fd, true] }] : []));
    const [port] = await startServer(h);
    const idle = await connectTcp(h, port!);
    const kept = await connectTcp(h, port!);
    const out = await idle.client.outcome(h.ms(6000));
    h.expectEqual('the idle client sees EOF', 'eof', out.close);
    const closed = await h.waitEvent('Close', { where: (e) => e.args.fd === idle.fd });
    h.expectTrue('onClose by the heartbeat has a real reactor id (not -1)', closed.args.reactor_id !== -1, closed.args);
    h.expectEqual('the protected connection is still open', 'open', (await kept.client.outcome(0)).close);
    h.expectNoEvent('no onClose for the protected connection', 'Close', { where: (e) => e.args.fd === kept.fd });
    await stopServer(h);
  },
});
