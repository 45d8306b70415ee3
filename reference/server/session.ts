/**
 * The sessions table: session ids, their OS fds and the per-connection facts getClientInfo
 * reports. Pure data (no sockets, no clock: times are passed in). Rules: S6, S13, S34, S39;
 * observed h5, h6, h7.
 */

const UINT32_MAX = 0xffffffff;
/** SW_MAX_FIND_COUNT: getClientList's largest page (S39, h6). */
export const MAX_FIND_COUNT = 100;

export interface SessionInit {
  socketFd: number;
  serverFd: number;
  serverPort: number;
  socketType: number;
  remoteIp: string;
  remotePort: number;
  reactorId: number;
  workerId: number;
  /** Seconds (float). */
  now: number;
}

export interface Session extends SessionInit {
  readonly id: number;
  connectTime: number;
  lastRecvTime: number;
  lastSendTime: number;
  lastDispatchTime: number;
  uid: number;
  closeErrno: number;
  recvQueuedBytes: number;
  sendQueuedBytes: number;
  /** close() was called or the peer went away; the session is no longer `exist`. */
  closing: boolean;
}

export type ClientInfo = Record<string, number | string>;

/**
 * A session as one class: every session has the same hidden class, so the per-read code that
 * touches them stays monomorphic (object spreads gave each session its own shape, and the hot
 * loads and stores went megamorphic).
 */
class SessionRecord implements Session {
  socketFd: number;
  serverFd: number;
  serverPort: number;
  socketType: number;
  remoteIp: string;
  remotePort: number;
  reactorId: number;
  workerId: number;
  now: number;
  readonly id: number;
  connectTime: number;
  lastRecvTime = 0;
  lastSendTime = 0;
  lastDispatchTime = 0;
  uid = 0;
  closeErrno = 0;
  recvQueuedBytes = 0;
  sendQueuedBytes = 0;
  closing = false;

  constructor(init: SessionInit, id: number) {
    this.socketFd = init.socketFd;
    this.serverFd = init.serverFd;
    this.serverPort = init.serverPort;
    this.socketType = init.socketType;
    this.remoteIp = init.remoteIp;
    this.remotePort = init.remotePort;
    this.reactorId = init.reactorId;
    this.workerId = init.workerId;
    this.now = init.now;
    this.id = id;
    this.connectTime = init.now;
  }
}

export class SessionTable {
  #sessions = new Map<number, Session>();
  #next: number;

  /** S6: ids start at start_session_id + 1. */
  constructor(startSessionId = 0) {
    this.#next = Math.min(UINT32_MAX, Math.max(0, startSessionId));
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * S6: next id, skipping ids still in use; wraps after UINT32_MAX back to 1. `givenId` is an
   * id allocated elsewhere (multi-worker BASE: a counter in shared memory).
   */
  add(init: SessionInit, givenId?: number): Session {
    let id = this.#next;
    if (givenId !== undefined) id = givenId;
    else {
      do {
        id = id >= UINT32_MAX ? 1 : id + 1;
      } while (this.#sessions.has(id));
      this.#next = id;
    }
    const s = new SessionRecord(init, id);
    this.#sessions.set(id, s);
    return s;
  }

  get(id: number): Session | undefined {
    return this.#sessions.get(id);
  }

  remove(id: number): boolean {
    return this.#sessions.delete(id);
  }

  /** S38/h5: true while the session is valid and neither closing nor closed. */
  exists(id: number): boolean {
    const s = this.#sessions.get(id);
    return s !== undefined && !s.closing;
  }

  /**
   * S13/h7: bind succeeds only when the connection exists and its uid is still 0; binding 0 is
   * accepted and leaves the connection bindable. Out of range → 'range' (caller warns).
   */
  bind(id: number, uid: number): boolean | 'range' {
    if (!Number.isInteger(uid) || uid > UINT32_MAX || uid < -2147483648) return 'range';
    const s = this.#sessions.get(id);
    if (!s || s.closing || s.uid !== 0) return false;
    s.uid = uid >>> 0;
    return true;
  }

  /** Live session ids in ascending order. */
  ids(): number[] {
    return [...this.#sessions.values()].filter((s) => !s.closing).map((s) => s.id).sort((a, b) => a - b);
  }

  /**
   * S39/h6: ids strictly above `start`, ascending, at most `count`. count > 100 → false;
   * start < 0 or above the highest live id → false; count ≤ 0 → [].
   */
  list(start = 0, count = 10): number[] | false {
    if (count > MAX_FIND_COUNT) return false;
    const ids = this.ids();
    const highest = ids.length ? ids[ids.length - 1]! : 0;
    if (start < 0 || start > highest) return false;
    if (count <= 0) return [];
    return ids.filter((id) => id > start).slice(0, count);
  }
}

/**
 * S34 / observed f, h5: the getClientInfo array. `uid` only when non-zero or under dispatch
 * mode 5; `worker_id` only when > 0 or under mode 8; `server_port` when the listener is known.
 */
export function clientInfo(s: Session, dispatchMode: number): ClientInfo {
  const info: ClientInfo = {};
  if (s.serverPort >= 0) info.server_port = s.serverPort;
  Object.assign(info, {
    server_fd: s.serverFd,
    socket_fd: s.socketFd,
    socket_type: s.socketType,
    remote_port: s.remotePort,
    remote_ip: s.remoteIp,
    reactor_id: s.reactorId,
    connect_time: Math.floor(s.connectTime),
    last_time: Math.floor(s.lastRecvTime),
    last_recv_time: s.lastRecvTime,
    last_send_time: s.lastSendTime,
    last_dispatch_time: s.lastDispatchTime,
    close_errno: s.closeErrno,
    recv_queued_bytes: s.recvQueuedBytes,
    send_queued_bytes: s.sendQueuedBytes,
  });
  if (s.uid > 0 || dispatchMode === 5) info.uid = s.uid;
  if (s.workerId > 0 || dispatchMode === 8) info.worker_id = s.workerId;
  return info;
}
