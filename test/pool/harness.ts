/** Runs fixtures/app.ts as a pool master and reads its JSON event lines; always reaped. */
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { EventApp } from '../event-app.ts';

export { alive, type AppEvent } from '../event-app.ts';

/** The pool fixture (fixtures/app.ts) as a master; POOL_APP in `env` picks its behaviour. */
export class App extends EventApp {
  constructor(t: Test, env: Record<string, string>) {
    super(t, fileURLToPath(new URL('./fixtures/app.ts', import.meta.url)), { ...process.env, ...env });
  }
}

