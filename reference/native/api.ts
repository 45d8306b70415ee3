/**
 * The contract between the TypeScript reference and the native addon (native/src). The addon
 * is thin: syscalls in; fds, pids and errno out; no policy. Every function validates its
 * arguments with a TypeError and reports syscall failures as an ErrnoError (below). The loader
 * (./loader.ts) returns an object of this shape or throws one clear line saying why.
 *
 * All fds the addon creates are O_CLOEXEC; fds handed to children go through child_process'
 * `stdio` array (which dup2s them without CLOEXEC in the child) or through SCM_RIGHTS.
 */

/** Error thrown for a failed syscall: shaped like Node's own system errors. */
export interface ErrnoError extends Error {
  /** e.g. 'EAGAIN', 'EMSGSIZE', 'ENOMSG'. */
  code: string;
  /** Positive errno number. */
  errno: number;
  /** e.g. 'sendmmsg', 'msgget'. */
  syscall: string;
}

export type SocketPairType = 'dgram' | 'stream';

export interface SocketPairOptions {
  /** SO_SNDBUF for both ends, bytes (the kernel may cap or double it). */
  sndbuf?: number;
  /** SO_RCVBUF for both ends, bytes. */
  rcvbuf?: number;
  /** Use SO_SNDBUFFORCE/SO_RCVBUFFORCE when permitted (root), falling back silently. */
  force?: boolean;
}

/** One received datagram in a batch. */
export interface ReceivedDatagram {
  data: Buffer;
  /** True when the datagram was longer than the receive size and was cut (MSG_TRUNC). */
  truncated: boolean;
  /** With `peers` reading: the sender's IP, or its unix path ('' for an unbound unix sender). */
  address?: string;
  /** With `peers` reading: the sender's port; -1 for a unix sender. */
  port?: number;
}

/**
 * A datagram socket (usually one end of a SOCK_DGRAM socketpair) driven by the libuv loop
 * through uv_poll. Non-blocking; no internal send queue (backpressure is the caller's policy).
 */
export interface Acceptor {
  start(): void;
  stop(): void;
  close(): void;
}

export interface DatagramSocket {
  readonly fd: number;
  /** Sends one datagram. Returns true when sent, false on EAGAIN/EWOULDBLOCK (socket full). Throws ErrnoError otherwise (e.g. EMSGSIZE, ENOBUFS, ECONNREFUSED). */
  send(data: Buffer): boolean;
  /** sendmmsg: sends datagrams from `list[start]` onward; returns how many went out before EAGAIN. Throws ErrnoError on other failures when nothing was sent. */
  sendBatch(list: readonly Buffer[], start?: number): number;
  /** Calls `cb` once, the next time the socket is writable (to resume after send() returned false). */
  onWritable(cb: () => void): void;
  /**
   * Starts delivering datagrams: each readiness drains up to `batch` datagrams with recvmmsg
   * into buffers of `maxSize` bytes and calls `cb` once with them. Datagrams longer than
   * maxSize are cut and flagged. Calling again replaces the callback and sizes. With `peers`,
   * recvmmsg also takes each sender's address (msg_name) into `address` / `port`.
   */
  startReading(maxSize: number, cb: (batch: ReceivedDatagram[]) => void, batch?: number, peers?: boolean): void;
  stopReading(): void;
  /** One non-blocking receive of at most `max` bytes; null when nothing is queued (EAGAIN). */
  recvInto(max: number): ReceivedDatagram | null;
  /** Keeps (true) or stops (false) the poll handle from holding the event loop open. */
  ref(on: boolean): void;
  /** Closes the fd (idempotent). */
  close(): void;
}

export interface SysvMessage {
  mtype: number;
  data: Buffer;
}

export interface MsgQueueStat {
  /** Messages currently in the queue. */
  qnum: number;
  /** Maximum bytes allowed in the queue (msg_qbytes). */
  qbytes: number;
  /** Bytes currently in the queue. */
  cbytes: number;
  /** Permission bits (e.g. 0o600). */
  mode: number;
}

/**
 * Blocking msgrcv on a dedicated native thread (never a libuv pool thread), handing one
 * message at a time to JS: after `cb` runs, nothing more is received until `next()` is called,
 * so competing processes share a queue fairly. `close()` wakes and joins the thread.
 */
export interface MsgQueueReceiver {
  /** Lets the thread receive the next message (no-op while one is waiting or after close). */
  next(): void;
  /** Stops and joins the thread (idempotent). A message taken but not yet delivered is put back. */
  close(): void;
  /** Keeps (true, the default) or stops (false) the receiver from holding the event loop open. */
  ref(on: boolean): void;
}

export interface NativeAddon {
  /** socketpair(AF_UNIX, type|SOCK_CLOEXEC). Returns [fd0, fd1]. */
  socketpair(type: SocketPairType, options?: SocketPairOptions): [number, number];
  /** Wraps an existing datagram fd (takes ownership). */
  openDatagram(fd: number): DatagramSocket;
  /**
   * Watches a listening stream socket (not owned: close() only stops watching). After start(),
   * each readiness accepts until EAGAIN (at most 64) and calls back with the new fds
   * (non-blocking, CLOEXEC) and the errno that stopped the loop (0: EAGAIN; e.g. EMFILE).
   */
  openAcceptor(fd: number, onAccept: (fds: number[], errno: number) => void): Acceptor;
  /** Actual SO_SNDBUF / SO_RCVBUF of an fd (as the kernel reports them). */
  getSocketBuffers(fd: number): { sndbuf: number; rcvbuf: number };
  /**
   * malloc_trim(0), then mallopt(M_TRIM_THRESHOLD, keepBytes): hands free heap to the kernel
   * now, and lets glibc keep up to keepBytes free afterwards (so freed receive buffers are
   * reused instead of page-faulted in again). Returns whether mallopt accepted the value.
   */
  mallocTrim(keepBytes: number): boolean;

  /** sendmsg with SCM_RIGHTS over a unix socket fd. `data` must be non-empty. Returns bytes sent. */
  sendFds(socketFd: number, data: Buffer, fds: readonly number[]): number;
  /**
   * recvmsg with SCM_RIGHTS; received fds are CLOEXEC. null on EAGAIN. `truncated`: the payload
   * was longer than maxData (MSG_TRUNC); `fdsTruncated`: more than maxFds fds were sent and the
   * kernel closed the extra ones (MSG_CTRUNC). Defaults: maxData 4096, maxFds 16.
   */
  recvFds(
    socketFd: number,
    maxData?: number,
    maxFds?: number,
  ): { data: Buffer; fds: number[]; truncated: boolean; fdsTruncated: boolean } | null;

  /** msgget(key, flags). key 0 = IPC_PRIVATE. `mode` defaults to 0o600; `create` adds IPC_CREAT, `exclusive` IPC_EXCL. */
  msgget(key: number, options?: { create?: boolean; exclusive?: boolean; mode?: number }): number;
  /** msgsnd. mtype ≥ 1. Returns false on EAGAIN when `nowait`. */
  msgsnd(id: number, mtype: number, data: Buffer, nowait?: boolean): boolean;
  /** msgrcv(id, msgtyp, maxSize). Returns null on ENOMSG when `nowait`. E2BIG surfaces as ErrnoError unless `truncate` (MSG_NOERROR). */
  msgrcv(id: number, msgtyp: number, maxSize: number, options?: { nowait?: boolean; truncate?: boolean }): SysvMessage | null;
  msgStat(id: number): MsgQueueStat;
  msgRemove(id: number): void;
  /** Starts a blocking receiver thread; see MsgQueueReceiver. `cb` gets a message or an ErrnoError (EIDRM when the queue is removed). */
  msgReceiver(id: number, msgtyp: number, maxSize: number, cb: (err: ErrnoError | null, msg: SysvMessage | null) => void): MsgQueueReceiver;
  /** The kernel's msgmax / msgmnb (from /proc/sys/kernel). */
  msgLimits(): { msgmax: number; msgmnb: number };

  /** prctl(PR_SET_PDEATHSIG, signal) for the calling process. Returns the parent pid seen at the call (so the caller can detect a parent that died before it). */
  setParentDeathSignal(signal: number): number;
  /** getppid(). */
  getppid(): number;

  /** socket+SO_REUSEADDR(+SO_REUSEPORT)+bind+listen; returns the fd (CLOEXEC, non-blocking) and the bound port. */
  listenTcp(host: string, port: number, options?: { backlog?: number; reusePort?: boolean; ipv6Only?: boolean }): { fd: number; port: number };
  /** socket(AF_UNIX, SOCK_STREAM)+bind+listen at `path`; returns the fd (CLOEXEC, non-blocking). The caller unlinks the file. */
  listenUnix(path: string, options?: { backlog?: number }): number;
  /** Bound UDP socket with SO_REUSEADDR(+SO_REUSEPORT); CLOEXEC and non-blocking (children inherit it through stdio). */
  bindUdp(host: string, port: number, options?: { reusePort?: boolean }): { fd: number; port: number };
  /** socket(AF_UNIX, SOCK_DGRAM)+bind at `path`, then chmod(path, mode) (default 0o600); CLOEXEC, non-blocking. The caller unlinks the file. */
  bindUnixDgram(path: string, options?: { mode?: number; sndbuf?: number }): number;
  /** An unbound AF_UNIX SOCK_DGRAM socket (CLOEXEC, non-blocking): a sender without a name. `sndbuf`: SO_SNDBUF (the largest datagram it can send). */
  unixDgramSocket(options?: { sndbuf?: number }): number;
  /** sendto(MSG_DONTWAIT) to an IP literal and port: bytes sent, or -errno (-EAGAIN when full, -EMSGSIZE when too long). Never throws for a syscall failure. */
  sendTo(fd: number, data: Buffer, host: string, port: number): number;
  /** sendto(MSG_DONTWAIT) to a unix path: bytes sent, or -errno (-ENOENT no such file, -ECONNREFUSED nobody bound there). */
  sendToPath(fd: number, data: Buffer, path: string): number;
  /** getsockname(): the IP and port, or the unix path with port -1 ('' when unbound). */
  sockName(fd: number): { address: string; port: number };

  /** waitpid(pid, WNOHANG): null while running; otherwise exit code or terminating signal. */
  waitpid(pid: number): { pid: number; code: number | null; signal: number | null } | null;

  /** memfd_create + ftruncate: an anonymous shared-memory fd of `size` bytes (CLOEXEC; hand it to children through stdio). */
  createSharedMemory(size: number): number;
  /** mmap(MAP_SHARED) of `size` bytes of `fd`, as an ArrayBuffer (unmapped when collected). Every process mapping the same memfd sees the same bytes. */
  mapSharedMemory(fd: number, size: number): ArrayBuffer;
  /** Atomic 64-bit fetch-add on word `index` of a mapped buffer; returns the previous value. */
  atomicAdd(buffer: ArrayBuffer, index: number, delta: number): number;
  /** Atomic 64-bit compare-and-swap on word `index`: stores `desired` when the word is `expected`; returns the value seen (=== expected: swapped). */
  atomicCompareExchange(buffer: ArrayBuffer, index: number, expected: number, desired: number): number;

  /** Closes a raw fd. */
  close(fd: number): void;

  /**
   * execve(path, argv, env) after resetting signal dispositions to default, emptying the signal
   * mask, making fds 0-2 and `keepFds` inheritable (Node marks 0-2 FD_CLOEXEC) and clearing
   * O_NONBLOCK on fds 0-2 (as libuv's spawn does). Never returns: on failure
   * everything is put back and an ErrnoError (syscall 'execve') is thrown; ENOENT/EACCES are
   * detected before anything is changed.
   */
  execve(path: string, argv: readonly string[], env: readonly string[], keepFds?: readonly number[]): never;
  /** poll(2) on one fd: 'ready' when readable/writable, 'hup' when the peer is gone and nothing is readable, 'timeout' after `timeoutMs` (-1 waits forever). */
  pollFd(fd: number, events: 'in' | 'out', timeoutMs: number): 'ready' | 'timeout' | 'hup';
  /**
   * send(MSG_DONTWAIT|MSG_NOSIGNAL) of buf[offset, offset+length): bytes sent, or -errno
   * (-EAGAIN when full). With waitMs (-1: forever), a full socket is polled that long and the
   * send tried once more. Never throws for a syscall failure.
   */
  trySend(fd: number, buf: Buffer, offset: number, length: number, waitMs?: number): number;
  /** recv(MSG_DONTWAIT) into buf[0, length): bytes read (0: EOF or an empty datagram), or -errno (-EAGAIN when empty); waitMs as for trySend. A longer datagram is cut. */
  tryRecv(fd: number, buf: Buffer, length: number, waitMs?: number): number;
  /** fcntl(F_DUPFD_CLOEXEC): a new fd sharing the open file description. */
  dup(fd: number): number;
  /** shutdown(2) of a socket. */
  shutdown(fd: number, how: 'read' | 'write' | 'both'): void;
}
