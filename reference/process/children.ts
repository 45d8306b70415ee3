/**
 * The children this process started with Process::start(), and what Process::wait() returns.
 * Node's libuv reaps every child it spawned from its own SIGCHLD handler, so no child stays a
 * zombie; the exit status is kept here, in exit order, until wait() collects it. SIGCHLD
 * handlers installed with Process::signal() run after each such exit (libuv owns the real
 * signal).
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** Swoole's wait() array: `code` is 0 when a signal ended the child, `signal` 0 when it exited. */
export interface WaitResult {
  pid: number;
  code: number;
  signal: number;
}

type Waiter = (r: WaitResult | false) => void;

class Children {
  readonly #live = new Map<number, ChildProcess>();
  readonly #discarded = new Set<number>();
  readonly #exited: WaitResult[] = [];
  readonly #waiters: Waiter[] = [];
  #sigchld: (() => void) | null = null;

  track(proc: ChildProcess): void {
    const pid = proc.pid!;
    this.#live.set(pid, proc);
    proc.once('exit', (code, signal) => {
      this.#live.delete(pid);
      if (this.#discarded.delete(pid)) return;
      const r: WaitResult = { pid, code: code ?? 0, signal: signal ? (constants.signals[signal] ?? 0) : 0 };
      const w = this.#waiters.shift();
      if (w) w(r);
      else this.#exited.push(r);
      this.#settleIfNoChildren();
      this.#sigchld?.();
    });
  }

  /** A child whose start failed: its exit is not reported to wait(). */
  discard(pid: number): void {
    if (this.#live.has(pid)) this.#discarded.add(pid);
  }

  isLive(pid: number): boolean {
    return this.#live.has(pid);
  }

  /** The oldest uncollected exit; blocking: the next one, false when there is no child left to wait for. */
  wait(blocking: boolean): Promise<WaitResult | false> | WaitResult | false {
    const ready = this.#exited.shift();
    if (!blocking) return ready ?? false;
    if (ready) return Promise.resolve(ready);
    if (this.#waitable() === 0) return Promise.resolve(false);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  onSigchld(cb: (() => void) | null): void {
    this.#sigchld = cb;
  }

  #waitable(): number {
    return this.#live.size - this.#discarded.size - this.#waiters.length;
  }

  /** Blocked waiters beyond the number of children still running get false (like ECHILD). */
  #settleIfNoChildren(): void {
    while (this.#waiters.length > this.#live.size - this.#discarded.size) this.#waiters.pop()!(false);
  }
}

export const children = new Children();
