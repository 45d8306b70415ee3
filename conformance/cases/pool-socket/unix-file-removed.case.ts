import { existsSync, statSync } from 'node:fs';
import { defineCase } from '../../case.ts';
import { stopPool } from '../finish.ts';
import { poolSocketPath, socketPool } from '../scenarios.ts';

export default defineCase({
  id: 'pool.socket.unix-file-removed',
  title: 'The unix socket file a SOCKET pool listens on exists while it runs and is removed at shutdown',
  clauses: ['pool.socket.unix-file-removed'],
  features: ['pool', 'pool.ipc.socket'],
  scenario: socketPool({}),
  async run(h) {
    await h.start();
    await h.waitEvents('WorkerStart', 2);
    const path = poolSocketPath(h.tmpdir);
    h.expectTrue('the socket file exists while the pool runs', existsSync(path) && statSync(path).isSocket());
    await stopPool(h);
    h.expectEqual('socket file after shutdown', false, existsSync(path));
  },
});
