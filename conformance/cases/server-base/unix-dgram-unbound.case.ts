import { join } from 'node:path';
import { SWOOLE_BASE, SWOOLE_SOCK_UNIX_DGRAM } from '../../../reference/constants.ts';
import { defineCase } from '../../case.ts';
import { expected } from '../expect-bytes.ts';
import { startServer, stopServer } from '../finish.ts';
import { UnixDgramPeer } from '../dgram-peers.ts';

// A sender without a bound name has no address: clientInfo.address is '' (Swoole reports
// garbage or the previous sender's path: not mirrored, observed h9).
export default defineCase({
  id: 'server.dgram.unix-unbound-sender',
  title: "Unix dgram port: an unbound sender's clientInfo.address is empty, also after a bound sender",
  clauses: ['server.dgram.unix-port'],
  features: ['server', 'server.base', 'server.unix-dgram'],
  scenario: ({ tmpdir }) => ({
    kind: 'server', host: join(tmpdir, 'srv.sock'), port: 0, mode: SWOOLE_BASE, sock_type: SWOOLE_SOCK_UNIX_DGRAM, set: { worker_num: 1 }, events: ['Packet', 'WorkerStart'],
  }),
  async run(h) {
    const path = join(h.tmpdir, 'srv.sock');
    await startServer(h);
    const anon = await UnixDgramPeer.open(h, null);
    const named = await UnixDgramPeer.open(h, join(h.tmpdir, 'named.sock'));
    anon.send('first', path);
    const a = await h.waitEvent('Packet');
    named.send('named', path);
    const b = await h.waitEvent('Packet');
    anon.send('again', path);
    const c = await h.waitEvent('Packet');
    const addr = (e: typeof a) => (e.args.client_info as { address: unknown }).address;
    h.expectEqual('payloads in order', [expected(Buffer.from('first')), expected(Buffer.from('named')), expected(Buffer.from('again'))], [a.args.data, b.args.data, c.args.data]);
    h.expectEqual('addresses: empty, the bound path, empty again', ['', named.path, ''], [addr(a), addr(b), addr(c)]);
    await stopServer(h);
  },
});
