import type { Harness } from '../runner/harness.ts';

/** Ends a pool case the way an operator would: SIGTERM to the master, then wait for its exit. */
export async function stopPool(h: Harness): Promise<void> {
  h.signal(h.masterPid, 'SIGTERM');
  await h.waitExit(8000);
}
