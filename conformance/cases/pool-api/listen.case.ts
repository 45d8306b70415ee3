import { join } from 'node:path';
import { SWOOLE_IPC_SOCKET, SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import { atInit, misusePool } from './construct.ts';

const notSocket: ConformanceCase = defineCase({
  id: 'pool.api.listen-not-socket',
  title: 'listen() on a UNIXSOCK pool returns false',
  clauses: ['pool.api.listen', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: ({ tmpdir }) => misusePool({ ipc_type: SWOOLE_IPC_UNIXSOCK, listen: { host: `unix:${join(tmpdir, 'pool.sock')}`, port: 0 } }),
  async run(h) {
    const { init } = await atInit(h);
    h.expectEqual('listen() returns', false, init.listen);
  },
});

const twice: ConformanceCase = defineCase({
  id: 'pool.api.listen-twice',
  title: 'A second listen() on a SOCKET pool returns false (error 509)',
  clauses: ['pool.api.listen', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.socket'],
  scenario: ({ tmpdir }) => misusePool({ ipc_type: SWOOLE_IPC_SOCKET, listen: { host: `unix:${join(tmpdir, 'pool.sock')}`, port: 0 } }),
  async run(h) {
    const { init, results } = await atInit(h, [{ call: 'listen', args: [`unix:${join(h.tmpdir, 'second.sock')}`, 0, 128] }]);
    h.expectEqual('first listen() returns', true, init.listen);
    h.expectEqual('second listen()', { ret: false, last_error: 509 }, { ret: results[0]?.ret, last_error: results[0]?.last_error });
  },
});

export default [notSocket, twice];
