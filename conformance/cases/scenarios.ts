import { join } from 'node:path';
import { SWOOLE_BASE, SWOOLE_IPC_SOCKET, SWOOLE_IPC_UNIXSOCK, SWOOLE_SOCK_TCP, SWOOLE_SOCK_UDP } from '../../reference/constants.ts';
import type { PoolScenario, ServerScenario } from '../protocol/messages.ts';

/** A UNIXSOCK pool with worker_num workers and the given set() options. */
export function unixsockPool(set: Record<string, unknown>, workerNum = 2): PoolScenario {
  return { kind: 'pool', args: { worker_num: workerNum, ipc_type: SWOOLE_IPC_UNIXSOCK, msgqueue_key: 0, enable_coroutine: false }, set, events: ['WorkerStart', 'Message'] };
}

/** A SOCKET pool listening on a unix stream socket in the case's private dir. */
export function socketPool(set: Record<string, unknown>, workerNum = 2) {
  return ({ tmpdir }: { tmpdir: string }): PoolScenario => ({
    kind: 'pool',
    args: { worker_num: workerNum, ipc_type: SWOOLE_IPC_SOCKET, msgqueue_key: 0, enable_coroutine: false },
    set,
    events: ['WorkerStart', 'Message'],
    listen: { host: `unix:${join(tmpdir, 'pool.sock')}`, port: 0, backlog: 128 },
  });
}

export function poolSocketPath(tmpdir: string): string {
  return join(tmpdir, 'pool.sock');
}

/** A single-worker BASE TCP server on 127.0.0.1 with a kernel-assigned port. */
export function tcpServer(set: Record<string, unknown>, events: string[] = ['Connect', 'Receive', 'Close', 'WorkerStart']): ServerScenario {
  return { kind: 'server', host: '127.0.0.1', port: 0, mode: SWOOLE_BASE, sock_type: SWOOLE_SOCK_TCP, set: { worker_num: 1, ...set }, events };
}

/** A UDP server on 127.0.0.1 port 0 with onPacket (and onWorkerStart): BASE or PROCESS, `set` merged. */
export function udpServer(mode: number, set: Record<string, unknown>): ServerScenario {
  return { kind: 'server', host: '127.0.0.1', port: 0, mode, sock_type: SWOOLE_SOCK_UDP, set, events: ['Packet', 'WorkerStart'] };
}

/** onPacket's clientInfo of a UDP peer, as the runner reads it from the event. */
export function udpPeerOf(e: { args: Record<string, unknown> }): { address: string; port: number; server_socket: number } {
  return e.args.client_info as { address: string; port: number; server_socket: number };
}

/** Any pool: ipc type, callbacks to register, and optional worker_num/set()/msgqueue key. */
export function poolOf(ipcType: number, events: string[], o: { workerNum?: number; set?: Record<string, unknown>; key?: number } = {}): PoolScenario {
  return { kind: 'pool', args: { worker_num: o.workerNum ?? 2, ipc_type: ipcType, msgqueue_key: o.key ?? 0, enable_coroutine: false }, ...(o.set ? { set: o.set } : {}), events };
}

/** Callbacks of a supervised UNIXSOCK pool: workers with a message loop that report starts and stops. */
export const LOOP_EVENTS = ['WorkerStart', 'WorkerStop', 'Message'];

/** A server with worker processes: BASE or PROCESS mode, TCP on 127.0.0.1 port 0, length-framed (N, body offset 4). */
export function multiServer(mode: number, set: Record<string, unknown>, events: string[] = ['Connect', 'Receive', 'Close', 'WorkerStart']): ServerScenario {
  return {
    kind: 'server',
    host: '127.0.0.1',
    port: 0,
    mode,
    sock_type: SWOOLE_SOCK_TCP,
    set: { worker_num: 2, open_length_check: true, package_length_type: 'N', package_length_offset: 0, package_body_offset: 4, ...set },
    events,
  };
}

/** A 4-byte big-endian length frame around `body`. */
export function lengthFrame(body: Buffer | string): Buffer {
  const b = Buffer.from(body);
  const f = Buffer.alloc(4 + b.length);
  f.writeUInt32BE(b.length, 0);
  b.copy(f, 4);
  return f;
}
