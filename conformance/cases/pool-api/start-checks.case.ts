import { join } from 'node:path';
import { SWOOLE_IPC_SOCKET } from '../../../reference/constants.ts';
import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import type { Harness } from '../../runner/harness.ts';
import { misusePool } from './construct.ts';

/** start() must fail at once: Return with ret false, and no worker ever starts. */
async function startFails(h: Harness, lastError: number): Promise<void> {
  await h.start();
  const ret = await h.waitEvent('Return', { role: 'master' });
  h.expectEqual('start() returns false with the last error', { ret: false, last_error: lastError }, ret.args);
  await h.waitExit(8000);
  h.expectNoEvent('no worker started', 'WorkerStart');
}

const socketWithoutListen: ConformanceCase = defineCase({
  id: 'pool.api.start-socket-without-listen',
  title: 'start() of a SOCKET pool that never listened returns false (error 509)',
  clauses: ['pool.api.start-checks', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.socket'],
  scenario: misusePool({ ipc_type: SWOOLE_IPC_SOCKET }),
  run: (h) => startFails(h, 509),
});

const busWithoutUnixsock: ConformanceCase = defineCase({
  id: 'pool.api.start-bus-without-unixsock',
  title: 'start() with enable_message_bus on a non-UNIXSOCK pool returns false (error 507)',
  clauses: ['pool.api.start-checks', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.socket', 'pool.message-bus'],
  scenario: ({ tmpdir }) => misusePool({ ipc_type: SWOOLE_IPC_SOCKET, set: { enable_message_bus: true }, listen: { host: `unix:${join(tmpdir, 'pool.sock')}`, port: 0 } }),
  run: (h) => startFails(h, 507),
});

export default [socketWithoutListen, busWithoutUnixsock];
