import { SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import type { RawClient } from '../../runner/raw-client.ts';
import { expected } from '../expect-bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

// PROCESS mode, dispatch_mode 2: each connection's events all go to one worker, the workers
// answer through the master, and with 4 connections both workers serve some.
export default defineCase({
  id: 'server.process.echo',
  title: 'PROCESS mode: frames reach onReceive in the workers, send() answers through the master, a connection sticks to one worker',
  clauses: ['server.multi.echo', 'server.process.dispatch-fdmod'],
  features: ['server', 'server.process', 'server.tcp', 'framing.length'],
  scenario: multiServer(SWOOLE_PROCESS, { dispatch_mode: 2 }),
  async run(h) {
    h.onEvent('Receive', undefined, () => [{ call: 'send', args: [{ $arg: 'fd' }, { $arg: 'data' }] }]);
    const [port] = await startServer(h, 2);
    const conns: { client: RawClient; fd: number }[] = [];
    for (let i = 0; i < 4; i++) conns.push(await connectTcp(h, port!));
    const owner = new Map<number, number | null>();
    for (let round = 0; round < 3; round++) {
      for (const { client, fd } of conns) {
        const frame = lengthFrame(`r${round}-fd${fd}`);
        const before = client.received.length;
        await client.write(frame);
        const rx = await h.waitEvent('Receive', { where: (e) => e.args.fd === fd });
        h.expectEqual(`frame ${round} of fd ${fd}`, expected(frame), rx.args.data);
        if (!owner.has(fd)) owner.set(fd, rx.worker_id);
        h.expectEqual(`fd ${fd} stays on worker ${owner.get(fd)}`, owner.get(fd), rx.worker_id);
        const got = await client.readAtLeast(before + frame.length, h.ms(5000));
        h.expectEqual(`echo of frame ${round} on fd ${fd}`, frame.toString('hex'), got.subarray(before).toString('hex'));
      }
    }
    h.expectEqual('both workers serve connections', [0, 1], [...new Set(owner.values())].sort());
    for (const c of conns) {
      const connect = h.events.find((e) => e.name === 'Connect' && e.args.fd === c.fd)!;
      h.expectEqual(`onConnect of fd ${c.fd} runs in its worker`, owner.get(c.fd), connect.worker_id);
    }
    await stopServer(h);
  },
});
