/**
 * What this process runs (S1, P6): at most one Server at a time, and never a Server and a Pool
 * together. Swoole keeps one global server pointer set by the constructor, so it refuses a second
 * `new Server` even when the first never started; JavaScript has no destructor to clear such a
 * pointer, so here a Server counts from start() until its start() settles (shut down, or failed),
 * and a Pool from start() until it ends. In a worker process that is the life of the process.
 */
import { ErrorCode, SwooleError } from './errors.ts';

let server: object | null = null;
const pools = new Set<object>();

const MIXED = 'cannot create server and process pool instances simultaneously';

/** The constructor's check: throws when this process runs a Server (9008) or a Pool. */
export function assertCanCreateServer(): void {
  if (server) throw new SwooleError(ErrorCode.SERVER_ONLY_START_ONE, 'server is running. unable to create Swoole\\Server');
  if (pools.size > 0) throw new SwooleError(ErrorCode.WRONG_OPERATION, MIXED);
}

/** The Pool constructor's check: throws when this process runs a Server. */
export function assertCanCreatePool(): void {
  if (server) throw new SwooleError(ErrorCode.WRONG_OPERATION, MIXED);
}

/** start() of `owner`: claims the process, or throws as the constructor would. */
export function claimServer(owner: object): void {
  if (server === owner) return;
  assertCanCreateServer();
  server = owner;
}

export function claimPool(owner: object): void {
  assertCanCreatePool();
  pools.add(owner);
}

/** The owner's start() settled: another instance may be made. */
export function release(owner: object): void {
  if (server === owner) server = null;
  pools.delete(owner);
}
