/** A single-process Server for a test: `setup` registers callbacks; resolves once it serves; shut down at teardown. */
import type { Test } from 'tap';
import { Server } from '../../reference/server/server.ts';

export async function singleServer(t: Test, setup: (s: Server) => void, settings: Record<string, unknown> = {}): Promise<Server> {
  const s = new Server('127.0.0.1', 0);
  s.set(settings);
  setup(s);
  const started = new Promise<void>((r) => s.on('workerStart', () => r()));
  const done = s.start();
  t.teardown(async () => {
    s.shutdown();
    await done;
  });
  await started;
  return s;
}
