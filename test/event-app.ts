/**
 * A test application in a child process that prints one JSON event per line (the pool, process
 * and server fixtures): spawned as its compiled copy when fresh, else under tsx, its events collected and awaitable, always reaped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import type { Test } from 'tap';
import { nodeCommand } from '../conformance/runner/compiled.ts';

export interface AppEvent {
  pid: number;
  ev: string;
  id?: number;
  [k: string]: unknown;
}

export interface EventAppOptions {
  /** Extra teardown after the child is gone (e.g. waiting for every pid it reported). */
  teardown?: () => Promise<void>;
  /** Default wait() timeout. */
  waitMs?: number;
  /** Give the child a stdin pipe (proc.stdin) instead of none. */
  stdin?: boolean;
}

export class EventApp {
  readonly proc: ChildProcess;
  readonly events: AppEvent[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  readonly #waitMs: number;
  #waiters: { match: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];

  constructor(t: Test, file: string, env: NodeJS.ProcessEnv, o: EventAppOptions = {}) {
    this.#waitMs = o.waitMs ?? 15000;
    const [node, ...args] = nodeCommand(file);
    this.proc = spawn(node!, args, { env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      let e: AppEvent;
      try {
        e = JSON.parse(line) as AppEvent;
      } catch {
        return; // not an event line (a warning, a stray print)
      }
      this.events.push(e);
      this.#waiters = this.#waiters.filter((w) => (w.match(e) ? (w.resolve(e), false) : true));
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    t.teardown(async () => {
      if (this.proc.exitCode === null && this.proc.signalCode === null) {
        this.proc.kill('SIGKILL');
        await this.exited;
      }
      await o.teardown?.();
    });
  }

  /** The first event (past or future, from index `from`) matching, or a rejection after `ms`. */
  wait(match: (e: AppEvent) => boolean, ms = this.#waitMs, from = 0): Promise<AppEvent> {
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting; events so far: ${JSON.stringify(this.events)}\nstderr: ${this.stderr}`)), ms);
      this.#waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** Waits until `n` distinct workers have started after event index `from`. */
  async started(n: number, from = 0): Promise<AppEvent[]> {
    const byId = new Map<number, AppEvent>();
    while (byId.size < n) {
      const e = await this.wait((x) => x.ev === 'WorkerStart' && !byId.has(x.id!), this.#waitMs, from);
      byId.set(e.id!, e);
    }
    return [...byId.values()].sort((a, b) => a.id! - b.id!);
  }
}

/** Is `pid` alive (and not a zombie)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\nState:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
