/** Runs fixtures/app.ts (a Process parent) with a scenario and collects its JSON event lines; always reaped. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { EventApp, type AppEvent } from '../event-app.ts';

export type { AppEvent };

/** The Process fixture (fixtures/app.ts) running scenario `app` as the parent. */
export class App extends EventApp {
  constructor(t: Test, app: string, env: Record<string, string> = {}) {
    const clean = { ...process.env };
    delete clean.PROC_ROOT;
    super(t, fileURLToPath(new URL('./fixtures/app.ts', import.meta.url)), { ...clean, PROC_APP: app, ...env }, { waitMs: 30000 });
  }

  /** The first event named `ev` (past or future); rejects after `ms` with what was seen. */
  event(ev: string, ms = 30000): Promise<AppEvent> {
    return this.wait((e) => e.ev === ev, ms);
  }

  /** Runs to the end: every event, and the exit status. */
  done(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
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
