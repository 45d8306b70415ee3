/** Messages between a Pool's master and its worker processes over the node IPC channel. */
export type ToWorker =
  | { t: 'assign'; id: number; masterPid: number; pids: (number | null)[] }
  | { t: 'pids'; pids: (number | null)[] }
  /** To the standby: it may read hand-offs now (reference/supervision/handoff.ts). */
  | { t: 'arm' };

export type ToMaster =
  | { t: 'ready'; poolIndex: number; workerNum: number; ipcType: number }
  | { t: 'detach' }
  /** Sent once no callback of the worker runs any more; `handoff`: the standby it gave its slot to. */
  | { t: 'exiting'; handoff?: number }
  /** From a standby that stopped reading hand-offs: it runs in `slot` now (`from`: the worker that handed it over, 0: assigned by the master). */
  | { t: 'took'; slot: number; from: number };

/** Environment markers of a pool child process. */
export const ENV_ROLE = 'SWOOLE_REF_POOL_CHILD';
export const ENV_INDEX = 'SWOOLE_REF_POOL_INDEX';
export const ENV_QUEUE = 'SWOOLE_REF_POOL_QUEUE';
export const ENV_MASTER = 'SWOOLE_REF_POOL_MASTER';
/** Master only, for benches and debugging: an fd that gets one JSON line per supervision event. */
export const ENV_TRACE_FD = 'SWOOLE_REF_POOL_TRACE_FD';

/** fd layout in a child: 3 = IPC channel; then listen fd (SOCKET) or N master ends + N worker ends (UNIXSOCK). */
export const FIRST_EXTRA_FD = 4;
