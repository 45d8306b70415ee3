/** Runs fixtures/app.ts (a Process parent) with a scenario and collects its JSON event lines; always reaped. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

export interface AppEvent {
  ev: string;
  pid: number;
  [k: string]: unknown;
}

export class App {
  readonly proc: ChildProcess;
  readonly events: AppEvent[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: { match: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];

  constructor(t: Test, app: string, env: Record<string, string> = {}) {
    const file = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));
    const clean = { ...process.env };
    delete clean.PROC_ROOT;
    this.proc = spawn(process.execPath, ['--import=tsx', file], { env: { ...clean, PROC_APP: app, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    t.teardown(async () => {
      if (this.proc.exitCode === null && this.proc.signalCode === null) {
        this.proc.kill('SIGKILL');
        await this.exited;
      }
    });
  }

  /** The first event named `ev` (past or future); rejects after `ms` with what was seen. */
  event(ev: string, ms = 30000): Promise<AppEvent> {
    const seen = this.events.find((e) => e.ev === ev);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${ev}; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`)), ms);
      this.#waiters.push({ match: (e) => e.ev === ev, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** Runs to the end: every event, and the exit status. */
  async done(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }
}

/** Is `pid` gone (no such process, or a zombie waiting for a reaper that is not us)? */
export function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Ids of the System V queues that exist now. */
export function queueIds(): number[] {
  const out = execFileSync('ipcs', ['-q'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => /^0x[0-9a-f]+$/i.test(f[0] ?? ''))
    .map((f) => Number(f[1]));
}
