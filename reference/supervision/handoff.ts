/**
 * Standby hand-off: a worker that ends cleanly gives its slot straight to the pre-booted
 * standby, so the restart costs one wake-up (the standby's) instead of two in series (the
 * manager's, then the standby's). The manager stays in charge:
 * - A shared-memory board holds a token (the pid of the standby anyone may take, 0: none) and
 *   one permission cell per slot, both written by the manager from its state machine
 *   (SupervisorState.handoffAllowed: running, no reload, the slot not backing off).
 * - Taking the standby is one compare-and-swap of the token (pid → 0): an exiting worker, or the
 *   manager itself when it assigns the standby or disarms it, so exactly one party gets it.
 * - The winner worker sends the standby one datagram (slot + pid table) on a socketpair every
 *   child inherits, and tells the manager ('exiting' with `handoff`); the standby answers
 *   'took' once it runs. Either message lets the manager book the slot.
 * - Only the standby the manager armed (IPC 'arm') reads the socketpair, and the manager arms
 *   the next one only after the previous reader said 'took' or died: one reader at a time.
 */
import type { DatagramSocket, NativeAddon } from '../native/api.ts';
import { decodeHandoff, encodeHandoff, patchTarget, type HandoffMessage } from './handoff-datagram.ts';

export type { HandoffMessage } from './handoff-datagram.ts';

/** Child env: `<send fd>,<receive fd>,<board fd>,<slots>`. */
export const ENV_HANDOFF = 'SWOOLE_REF_HANDOFF';

const TOKEN_WORD = 0;
/** Permission cells (Int32) start after the 64-bit token. */
const PERMS_AT = 8;
const boardBytes = (slots: number): number => PERMS_AT + 4 * slots;

/** The shared cells, as either side maps them. */
class Board {
  readonly #native: NativeAddon;
  readonly #ab: ArrayBuffer;
  readonly #perms: Int32Array;
  /** The token's low 32 bits (pids fit; x86-64 is little-endian). */
  readonly #low: Int32Array;

  constructor(native: NativeAddon, fd: number, slots: number) {
    this.#native = native;
    this.#ab = native.mapSharedMemory(fd, boardBytes(slots));
    this.#perms = new Int32Array(this.#ab, PERMS_AT, slots);
    this.#low = new Int32Array(this.#ab, TOKEN_WORD, 1);
  }

  token(): number {
    return this.#native.atomicCompareExchange(this.#ab, TOKEN_WORD, 0, 0);
  }

  /** A plain read of the token: a hint only, swap() decides. */
  peek(): number {
    return this.#low[0]!;
  }

  /** One CAS: true when the token was `from` and is now `to`. */
  swap(from: number, to: number): boolean {
    return this.#native.atomicCompareExchange(this.#ab, TOKEN_WORD, from, to) === from;
  }

  allowed(slot: number): boolean {
    return this.#perms[slot] === 1;
  }

  setAllowed(slot: number, on: boolean): void {
    this.#perms[slot] = on ? 1 : 0;
  }
}

/** The manager's side: owns the fds (handed to every child) and arms/disarms the token. */
export class HandoffManager {
  readonly #native: NativeAddon;
  readonly #board: Board;
  /** [send end, receive end, board]. */
  readonly fds: number[];
  readonly slots: number;
  /** The pid the manager put in the token (0: not armed). */
  #armed = 0;
  /** Our handle on the send end, for the warm-up datagram. */
  readonly #send: DatagramSocket;

  constructor(native: NativeAddon, slots: number) {
    this.#native = native;
    this.slots = slots;
    const shm = native.createSharedMemory(boardBytes(slots));
    let pair: [number, number];
    try {
      pair = native.socketpair('dgram');
    } catch (err) {
      native.close(shm);
      throw err;
    }
    this.fds = [pair[0], pair[1], shm];
    this.#board = new Board(native, shm, slots);
    this.#send = native.openDatagram(pair[0]);
    this.#send.ref(false);
  }

  /**
   * One datagram no standby takes (target 0), sent when a standby is armed: its first read runs
   * the whole receive path (poll wake-up, callback, decode) off the restart's path.
   */
  warm(): void {
    try {
      this.#send.send(encodeHandoff({ target: 0, slot: 0, from: process.pid, pids: [0] }));
    } catch {
      /* a warm-up only */
    }
  }

  /** The child env value, given the fd number the first of `fds` gets in the child. */
  env(firstFd: number): string {
    return `${firstFd},${firstFd + 1},${firstFd + 2},${this.slots}`;
  }

  get armed(): number {
    return this.#armed;
  }

  setAllowed(slot: number, on: boolean): void {
    this.#board.setAllowed(slot, on);
  }

  /** Offers standby `pid` (the token must be free). */
  arm(pid: number): boolean {
    if (this.#armed) return this.#armed === pid;
    if (!this.#board.swap(0, pid)) return false;
    this.#armed = pid;
    return true;
  }

  /** Takes the offer back: true when the standby is still ours, false when a worker claimed it. */
  disarm(): boolean {
    const pid = this.#armed;
    if (!pid) return true;
    this.#armed = 0;
    return this.#board.swap(pid, 0);
  }

  /** A worker's claim was heard of: the token is already empty. */
  forget(pid: number): void {
    if (this.#armed === pid) this.#armed = 0;
  }

  #closed = false;

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#armed = 0;
    this.#send.close();
    for (const fd of this.fds.slice(1)) this.#native.close(fd);
  }
}

/** A child's side (standby and worker alike): claims and sends, or listens when armed. */
export class HandoffChild {
  readonly #board: Board;
  readonly #send: DatagramSocket;
  readonly #recvFd: number;
  readonly #native: NativeAddon;
  #recv: DatagramSocket | null = null;
  /** The datagram this worker would send, built at assignment (target patched in at the claim). */
  #prepared: Buffer | null = null;
  #preparedSlot = -1;

  /** null when the env does not name a hand-off (the launcher runs without it). */
  static fromEnv(native: NativeAddon, env: string | undefined): HandoffChild | null {
    const parts = env?.split(',').map(Number);
    if (!parts || parts.length !== 4 || !parts.every((n) => Number.isInteger(n) && n >= 0)) return null;
    return new HandoffChild(native, parts[0]!, parts[1]!, parts[2]!, parts[3]!);
  }

  private constructor(native: NativeAddon, sendFd: number, recvFd: number, boardFd: number, slots: number) {
    this.#native = native;
    this.#board = new Board(native, boardFd, slots);
    native.close(boardFd); // the mapping stays; the fd is not needed any more
    this.#send = native.openDatagram(sendFd);
    this.#send.ref(false);
    this.#recvFd = recvFd;
    // Standby time: the first call of each path costs tens of µs (lazy compilation, first
    // native calls); an exit or a hand-off later should not pay it. A CAS that cannot match
    // (no token is -1) changes nothing.
    this.#board.swap(-1, -1);
    this.#board.peek();
    this.#board.allowed(0);
    decodeHandoff(encodeHandoff({ target: 1, slot: 0, from: 1, pids: [1] }));
  }

  /** Armed standby: waits for its datagram; `onSlot` runs once, then reading stops for good. */
  listen(onSlot: (m: HandoffMessage) => void): void {
    if (this.#recv) return;
    const recv = this.#native.openDatagram(this.#recvFd);
    this.#recv = recv;
    recv.ref(false);
    recv.startReading(64 * 1024, (batch) => {
      if (!this.#recv) return;
      for (const d of batch) {
        const m = d.truncated ? null : decodeHandoff(d.data);
        // Anything else is the master's warm-up or left over from a standby that died after it was claimed: dropped.
        if (!m || m.target !== process.pid) continue;
        this.#recv = null;
        onSlot(m);
        recv.close(); // after the start: closing is not on the restart's path
        return;
      }
    });
  }

  stopListening(): void {
    this.#recv?.close();
    this.#recv = null;
  }

  get listening(): boolean {
    return this.#recv !== null;
  }

  /** An assigned worker (again on every pid table update): builds its hand-off datagram ahead. */
  prepare(slot: number, pids: readonly (number | null)[]): void {
    this.#prepared = encodeHandoff({ target: 0, slot, from: process.pid, pids: [...pids] });
    this.#preparedSlot = slot;
  }

  /**
   * A cleanly exiting worker of `slot` (after prepare()): takes the offered standby if the
   * manager allows this slot, and sends it the slot and pid table (our entry becomes the
   * standby's). Returns the standby's pid, or 0 (no hand-off: the manager refills the slot).
   */
  handOff(slot: number): number {
    const b = this.#prepared;
    if (!b || this.#preparedSlot !== slot || !this.#board.allowed(slot)) return 0;
    const target = this.#board.peek();
    if (target <= 0 || target === process.pid || !this.#board.swap(target, 0)) return 0;
    patchTarget(b, target);
    try {
      if (this.#send.send(b)) return target;
    } catch {
      /* fall through: give the token back */
    }
    this.#board.swap(0, target);
    return 0;
  }
}
