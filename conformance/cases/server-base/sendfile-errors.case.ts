import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { connectTcp, startServer, stopServer } from '../finish.ts';
import { tcpServer } from '../scenarios.ts';

// sendfile() refusals: each returns false with its code and sends nothing.
export default defineCase({
  id: 'server.base.sendfile-errors',
  title: 'sendfile() of a missing file (502), a directory (9013), an offset at the end (502), a range past the end (505) returns false and sends nothing',
  clauses: ['server.base.sendfile-errors'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}),
  async run(h) {
    const path = join(h.tmpdir, 'ten.txt');
    writeFileSync(path, '0123456789');
    h.onEvent('Receive', undefined, () => [
      { call: 'sendfile', args: [{ $arg: 'fd' }, join(h.tmpdir, 'missing')] },
      { call: 'sendfile', args: [{ $arg: 'fd' }, h.tmpdir] },
      { call: 'sendfile', args: [{ $arg: 'fd' }, path, 10] },
      { call: 'sendfile', args: [{ $arg: 'fd' }, path, 5, 6] },
      { call: 'send', args: [{ $arg: 'fd' }, hexBytes('ok')] },
    ]);
    const [port] = await startServer(h);
    const { client } = await connectTcp(h, port!);
    await client.write(Buffer.from('go'));
    const [missing, dir, atEnd, pastEnd, ok] = await (await h.waitEvent('Receive')).done;
    const pick = (r: typeof ok) => ({ ret: r?.ret, last_error: r?.last_error });
    h.expectEqual('missing file', { ret: false, last_error: 502 }, pick(missing));
    h.expectEqual('a directory is not a regular file', { ret: false, last_error: 9013 }, pick(dir));
    h.expectEqual('offset at the end of the file', { ret: false, last_error: 502 }, pick(atEnd));
    h.expectEqual('offset + length past the end', { ret: false, last_error: 505 }, pick(pastEnd));
    h.expectEqual('a send after the refusals works', true, ok?.ret);
    h.expectEqual('the client got only the send', 'ok', (await client.readAtLeast(2, h.ms(5000))).toString());
    await stopServer(h);
  },
});
