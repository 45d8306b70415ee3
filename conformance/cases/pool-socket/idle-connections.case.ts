import { defineCase } from '../../case.ts';
import { hexBytes } from '../../protocol/bytes.ts';
import { stopPool } from '../finish.ts';
import { poolSocketPath, socketPool } from '../scenarios.ts';

const OK = Buffer.from('ok');

export default defineCase({
  id: 'pool.socket.idle-connections',
  title: 'With 3 workers, two connections stuck mid-header do not block a third client',
  clauses: ['pool.socket.idle-connections'],
  features: ['pool', 'pool.ipc.socket'],
  scenario: socketPool({}, 3),
  async run(h) {
    h.onEvent('Message', undefined, () => [{ call: 'write', args: [hexBytes(OK)] }]);
    await h.start();
    await h.waitEvents('WorkerStart', 3);
    const path = poolSocketPath(h.tmpdir);
    // Each idle client holds a worker in Swoole (one blocking connection per worker).
    for (let i = 0; i < 2; i++) await (await h.connect({ path })).write(Buffer.from([0, 0]));
    const c = await h.connect({ path });
    await c.write(Buffer.from('0000000470696e67', 'hex'));
    const out = await c.outcome(h.ms(5000));
    h.expectEqual('the third client gets its response', Buffer.concat([Buffer.from([0, 0, 0, OK.length]), OK]).toString('hex'), out.data.toString('hex'));
    h.expectEqual('then the connection is closed', 'eof', out.close);
    await stopPool(h);
  },
});
