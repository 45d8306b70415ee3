import { SWOOLE_IPC_UNIXSOCK } from '../../../reference/constants.ts';
import type { Action, ActionResult, ConstructErrorArgs, InitArgs, PoolScenario } from '../../protocol/messages.ts';
import type { Harness } from '../../runner/harness.ts';

/** A UNIXSOCK pool scenario with other args/events, for misuse cases. */
export function misusePool(o: Partial<PoolScenario['args']> & { events?: string[]; set?: Record<string, unknown>; listen?: PoolScenario['listen'] } = {}): PoolScenario {
  const { events, set, listen, ...args } = o;
  return {
    kind: 'pool',
    args: { worker_num: 1, ipc_type: SWOOLE_IPC_UNIXSOCK, msgqueue_key: 0, enable_coroutine: false, ...args },
    ...(set ? { set } : {}),
    events: events ?? ['WorkerStart', 'Message'],
    ...(listen ? { listen } : {}),
  };
}

/**
 * Runs the adapter up to Init (before start()), performs `actions` there and ends the master
 * with exit(0) so no pool starts; returns Init's args and the action results.
 */
export async function atInit(h: Harness, actions: Action[] = []): Promise<{ init: InitArgs; results: ActionResult[] }> {
  h.onEvent('Init', undefined, () => [...actions, { exit: 0 }]);
  await h.start();
  const e = await h.waitEvent('Init', { role: 'master' });
  const results = await e.done;
  await h.waitExit(8000);
  return { init: e.args as unknown as InitArgs, results: results.slice(0, actions.length) };
}

/** Waits for the ConstructError pseudo-event (the constructor threw). */
export async function constructError(h: Harness): Promise<ConstructErrorArgs> {
  await h.start();
  const e = await h.waitEvent('ConstructError', { role: 'master' });
  await h.waitExit(8000);
  return e.args as unknown as ConstructErrorArgs;
}
