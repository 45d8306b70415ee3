/**
 * The System V message queue behind Process::useQueue()/push()/pop(): one queue id plus the
 * mode bits. A private queue (key 0) is removed by the process that created it, at freeQueue()
 * or when that process exits; a queue with a fixed key persists until freeQueue().
 * Blocking push/pop block the calling thread, as they do in Swoole.
 */
import type { NativeAddon, SysvMessage } from '../native/api.ts';

const owned = new Set<number>();
let exitHookInstalled = false;

function removeOnExit(native: NativeAddon, id: number): void {
  owned.add(id);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const q of owned) {
      try {
        native.msgRemove(q);
      } catch {
        /* already removed by someone else */
      }
    }
    owned.clear();
  });
}

export class ProcessQueue {
  readonly id: number;
  readonly key: number;
  /** SWOOLE_MSGQUEUE_BALANCE (2) or SWOOLE_MSGQUEUE_ORIENT (1), without the IPC_NOWAIT bit. */
  readonly mode: number;
  readonly nowait: boolean;
  readonly #native: NativeAddon;

  private constructor(native: NativeAddon, id: number, key: number, mode: number, nowait: boolean) {
    this.#native = native;
    this.id = id;
    this.key = key;
    this.mode = mode;
    this.nowait = nowait;
  }

  /** Creates (key 0: a new private queue, owned here) or opens the queue for `key`, mode 0600. Throws an errno error. */
  static open(native: NativeAddon, key: number, mode: number, nowait: boolean): ProcessQueue {
    const id = native.msgget(key, { create: true, mode: 0o600 });
    if (key === 0) removeOnExit(native, id);
    return new ProcessQueue(native, id, key, mode, nowait);
  }

  /** A queue someone else created (the parent's, or a Pool's). */
  static adopt(native: NativeAddon, id: number, key: number, mode: number, nowait: boolean): ProcessQueue {
    return new ProcessQueue(native, id, key, mode, nowait);
  }

  /** false when the queue is full in nowait mode; throws an errno error otherwise. */
  push(mtype: number, data: Buffer): boolean {
    return this.#native.msgsnd(this.id, mtype, data, this.nowait);
  }

  /** null when empty in nowait mode; throws an errno error (E2BIG for a longer message, which stays queued). */
  pop(msgtyp: number, maxSize: number): SysvMessage | null {
    return this.#native.msgrcv(this.id, msgtyp, maxSize, { nowait: this.nowait });
  }

  stat(): { queue_num: number; queue_bytes: number } {
    const s = this.#native.msgStat(this.id);
    return { queue_num: s.qnum, queue_bytes: s.cbytes };
  }

  /** IPC_RMID. Throws an errno error (EINVAL when already gone). */
  remove(): void {
    owned.delete(this.id);
    this.#native.msgRemove(this.id);
  }
}
