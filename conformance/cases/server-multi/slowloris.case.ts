import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { expected } from '../expect-bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

// One worker, two clients: a slow client writes its frame one byte at a time; after each byte
// the fast client completes a whole request/reply. The pacing is the server's own replies (no
// sleeps): the fast client is served between every two bytes, and the slow frame is assembled
// and delivered once, whole, after its last byte.
export default defineCase({
  id: 'server.multi.slowloris',
  title: 'a client sending its frame one byte at a time does not hold up another client on the same worker; its frame arrives whole, once',
  clauses: ['server.multi.slowloris', 'server.framing.frames'],
  features: ['server', 'server.base', 'server.tcp', 'framing.length'],
  scenario: multiServer(SWOOLE_BASE, { worker_num: 1 }),
  async run(h) {
    h.onEvent('Receive', undefined, () => [{ call: 'send', args: [{ $arg: 'fd' }, { $arg: 'data' }] }]);
    const [port] = await startServer(h, 1);
    const slow = await connectTcp(h, port!);
    const fast = await connectTcp(h, port!);
    const slowFrame = lengthFrame('s'.repeat(40));
    for (let i = 0; i < slowFrame.length; i++) {
      await slow.client.write(slowFrame.subarray(i, i + 1));
      if (i === slowFrame.length - 1) break;
      const f = lengthFrame(`fast-${i}`);
      const before = fast.client.received.length;
      await fast.client.write(f);
      const got = await fast.client.readAtLeast(before + f.length, h.ms(5000));
      h.expectEqual(`fast reply ${i} while the slow frame is at byte ${i + 1}`, f.toString('hex'), got.subarray(before).toString('hex'));
      h.expectNoEvent(`no onReceive for the slow client before its last byte (after byte ${i + 1})`, 'Receive', { where: (e) => e.args.fd === slow.fd });
    }
    const rx = await h.waitEvent('Receive', { where: (e) => e.args.fd === slow.fd });
    h.expectEqual('the slow frame, whole', expected(slowFrame), rx.args.data);
    const echoed = await slow.client.readAtLeast(slowFrame.length, h.ms(5000));
    h.expectEqual('its echo', slowFrame.toString('hex'), echoed.toString('hex'));
    h.expectEqual('onReceive once for the slow client', 1, h.events.filter((e) => e.name === 'Receive' && e.args.fd === slow.fd).length);
    await stopServer(h);
  },
});
