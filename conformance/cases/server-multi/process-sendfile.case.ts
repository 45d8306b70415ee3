import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SWOOLE_PROCESS } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

// PROCESS mode: a worker's sendfile() is streamed by the master, in order with the worker's
// send() calls; sendwait() is refused there (507).
export default defineCase({
  id: 'server.process.sendfile',
  title: "PROCESS mode: sendfile() from a worker arrives intact between the worker's sends; sendwait() returns false with 507",
  clauses: ['server.multi.sendfile', 'server.base.sendfile'],
  features: ['server', 'server.process', 'server.tcp', 'framing.length'],
  scenario: multiServer(SWOOLE_PROCESS, {}),
  async run(h) {
    const body = Buffer.from(Array.from({ length: 150000 }, (_, i) => `${i}\n`).join(''));
    const path = join(h.tmpdir, 'file.txt');
    writeFileSync(path, body);
    const before = lengthFrame('before');
    const after = lengthFrame('after');
    h.onEvent('Receive', undefined, () => [
      { call: 'send', args: [{ $arg: 'fd' }, hexBytes(before)] },
      { call: 'sendfile', args: [{ $arg: 'fd' }, path] },
      { call: 'send', args: [{ $arg: 'fd' }, hexBytes(after)] },
      { call: 'sendwait', args: [{ $arg: 'fd' }, hexBytes('x')] },
    ]);
    const [port] = await startServer(h, 2);
    const { client } = await connectTcp(h, port!);
    await client.write(lengthFrame('go'));
    const [b, f, a, w] = await (await h.waitEvent('Receive')).done;
    h.expectEqual('send, sendfile, send return true', [true, true, true], [b?.ret, f?.ret, a?.ret]);
    h.expectEqual('sendwait() in PROCESS mode', { ret: false, last_error: 507 }, { ret: w?.ret, last_error: w?.last_error });
    const want = Buffer.concat([before, body, after]);
    const got = await client.readAtLeast(want.length, h.ms(10000));
    h.expectEqual('bytes received', want.length, got.length);
    h.expectTrue('the file, intact, between the two sends', got.equals(want), { head: got.subarray(0, 16).toString('hex') });
    await stopServer(h);
  },
});
