import type { BoundPort } from '../protocol/messages.ts';
import { AssertionFailure } from '../runner/errors.ts';
import type { Harness } from '../runner/harness.ts';
import type { RawClient } from '../runner/raw-client.ts';

/** Ends a pool case the way an operator would: SIGTERM to the master, then wait for its exit. */
export async function stopPool(h: Harness): Promise<void> {
  h.signal(h.masterPid, 'SIGTERM');
  await h.waitExit(8000);
}

/** Bound ports from the server's Init event (main port first), after every worker started. */
export async function startServer(h: Harness, workers = 1): Promise<BoundPort[]> {
  await h.start();
  const init = await h.waitEvent(['Init', 'ConstructError']);
  if (init.name === 'ConstructError') throw new AssertionFailure('server constructed', 'no exception', init.args.threw);
  await h.waitEvents('WorkerStart', workers);
  return init.args.ports as BoundPort[];
}

/** Ends a server case: SIGTERM to the master, which must shut down and exit. */
export async function stopServer(h: Harness): Promise<void> {
  h.signal(h.masterPid, 'SIGTERM');
  await h.waitExit(8000);
}

/** Opens a client to a bound TCP port and returns it with the session id its onConnect reported. */
export async function connectTcp(h: Harness, port: BoundPort): Promise<{ client: RawClient; fd: number }> {
  const client = await h.connect({ host: '127.0.0.1', port: port.port });
  const e = await h.waitEvent('Connect');
  return { client, fd: e.args.fd as number };
}
