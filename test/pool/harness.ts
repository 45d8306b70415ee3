/** Runs fixtures/app.ts as a pool master and reads its JSON event lines; always reaped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

export interface AppEvent {
  pid: number;
  ev: string;
  id?: number;
  [k: string]: unknown;
}

export class App {
  readonly proc: ChildProcess;
  readonly events: AppEvent[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: { match: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];

  constructor(t: Test, env: Record<string, string>) {
    const app = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));
    this.proc = spawn(process.execPath, ['--import=tsx', app], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      let e: AppEvent;
      try {
        e = JSON.parse(line) as AppEvent;
      } catch {
        return;
      }
      this.events.push(e);
      this.#waiters = this.#waiters.filter((w) => (w.match(e) ? (w.resolve(e), false) : true));
    });
    this.proc.stderr!.on('data', () => {});
    t.teardown(async () => {
      if (this.proc.exitCode === null && this.proc.signalCode === null) {
        this.proc.kill('SIGKILL');
        await this.exited;
      }
    });
  }

  /** The first event (past or future) matching, or a rejection after `ms`. */
  wait(match: (e: AppEvent) => boolean, ms = 15000, from = 0): Promise<AppEvent> {
    const seen = this.events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting; events so far: ${JSON.stringify(this.events)}`)), ms);
      this.#waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** Waits until `n` distinct workers have started after event index `from`. */
  async started(n: number, from = 0): Promise<AppEvent[]> {
    const byId = new Map<number, AppEvent>();
    while (byId.size < n) {
      const e = await this.wait((x) => x.ev === 'WorkerStart' && !byId.has(x.id!), 15000, from);
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
