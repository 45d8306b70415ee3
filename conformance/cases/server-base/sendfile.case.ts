import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// sendfile() output is ordered with send(): bytes before, the whole file, a slice, bytes after.
export default defineCase({
  id: 'server.base.sendfile',
  title: 'sendfile() sends the whole file (length 0) or a slice, in order with send() before and after, intact',
  clauses: ['server.base.sendfile', 'server.base.sendfile-range'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    // Every line differs, so a lost, repeated or reordered chunk shows (about 1.3 MB: several chunks).
    const body = Buffer.from(Array.from({ length: 200000 }, (_, i) => `${i}\n`).join(''));
    const path = join(h.tmpdir, 'file.txt');
    writeFileSync(path, body);
    h.onEvent('Receive', undefined, () => [
      { call: 'send', args: [{ $arg: 'fd' }, hexBytes('<')] },
      { call: 'sendfile', args: [{ $arg: 'fd' }, path] },
      { call: 'sendfile', args: [{ $arg: 'fd' }, path, 2, 3] },
      { call: 'send', args: [{ $arg: 'fd' }, hexBytes('>')] },
    ]);
    const [port] = await startServer(h);
    const { client } = await connectTcp(h, port!);
    await client.write(Buffer.from('go'));
    const rets = (await (await h.waitEvent('Receive')).done).map((r) => r.ret);
    h.expectEqual('send, sendfile, sendfile(2, 3), send all return true', [true, true, true, true], rets);
    const want = Buffer.concat([Buffer.from('<'), body, body.subarray(2, 5), Buffer.from('>')]);
    const got = await client.readAtLeast(want.length, h.ms(10000));
    h.expectEqual('bytes received', want.length, got.length);
    h.expectTrue('the file, then its slice, between the two sends, intact', got.equals(want), { head: got.subarray(0, 16).toString(), tail: got.subarray(-8).toString() });
    await stopServer(h);
  },
});
