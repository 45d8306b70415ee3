/**
 * How a Server's manager and its worker processes find each other: environment markers and the
 * fd layout of a child. Workers re-run the entry script (like node's cluster); the constructor
 * of the Server whose index matches ENV_INDEX adopts the inherited fds instead of binding.
 */
export const ENV_ROLE = 'SWOOLE_REF_SERVER_CHILD';
export const ENV_INDEX = 'SWOOLE_REF_SERVER_INDEX';
export const ENV_MANAGER = 'SWOOLE_REF_SERVER_MANAGER';
/** JSON ChildLayout. */
export const ENV_LAYOUT = 'SWOOLE_REF_SERVER_LAYOUT';

/** fd 3 is node's IPC channel; the launcher's extra fds start at 4. */
export const FIRST_EXTRA_FD = 4;

export interface ChildLayout {
  /** The shared stats block. */
  shm: number;
  /** Per port, in ports[] order: the listening fd (BASE) or -1 (PROCESS: the master listens). */
  portFds: number[];
  /** Per port: its number (known before start, h10). */
  portNumbers: number[];
  /** PROCESS: per worker slot, the worker end of its channel. */
  channels: number[];
  /** mailbox.ts: per address (event workers, task workers, then the manager), the sending end and the reading end of its inbox. */
  inboxOut: number[];
  inboxIn: number[];
}

export interface ChildInfo {
  index: number;
  managerPid: number;
  layout: ChildLayout;
}

/** This process's child info when it is a worker of server number `index`, else null. */
export function childInfo(index: number): ChildInfo | null {
  if (process.env[ENV_ROLE] !== '1' || process.env[ENV_INDEX] !== String(index)) return null;
  return { index, managerPid: Number(process.env[ENV_MANAGER]), layout: JSON.parse(process.env[ENV_LAYOUT] ?? '{}') as ChildLayout };
}

export function isServerChild(): boolean {
  return process.env[ENV_ROLE] === '1';
}
