import { summarize } from '../../protocol/bytes.ts';
import type { ActionResult, PoolScenario } from '../../protocol/messages.ts';
import { ControlClient } from './control.ts';
import { claimMaster, delegator, targetOf } from './delegate.ts';
import type { ReferenceModule } from './main.ts';
import { perform, threwOf, toWire } from './perform.ts';

/** The reference Pool's surface as this adapter uses it (Swoole's names). */
export interface PoolLike {
  set(options: Record<string, unknown>): unknown;
  on(name: string, cb: (...args: unknown[]) => unknown): unknown;
  listen(host: string, port?: number, backlog?: number): boolean;
  start(): Promise<unknown> | unknown;
  workerId?: number;
  [k: string]: unknown;
}

/** Hooks a deliberately wrong variant (conformance/adapters/mutant) uses to corrupt behaviour. */
export interface Mutation {
  /** Rewrites a payload before it is reported to the runner. */
  received?(data: Buffer, scenario: PoolScenario): Buffer;
  /** Rewrites set() options before they reach the Pool. */
  options?(set: Record<string, unknown>): Record<string, unknown>;
  /** Rewrites the listen() host (the master may put something in front of the pool). */
  listen?(host: string, isMaster: boolean): Promise<string>;
  /** Intercepts a method call; return undefined to let it through. */
  call?(method: string, args: unknown[]): { ret: unknown } | undefined;
  /** Rewrites a server scenario's set() options before they reach the Server. */
  serverOptions?(set: Record<string, unknown>): Record<string, unknown>;
  /** Rewrites what a Server method returned (awaited first when it is a promise). */
  serverResult?(method: string, ret: unknown): unknown;
}

export interface AdapterIdentity {
  name: string;
  version: string;
  features: string[];
  mutation?: Mutation;
}

/** Features the reference declares (spec/features.json tags). */
export const REFERENCE_POOL_FEATURES = ['pool', 'pool.ipc.none', 'pool.ipc.unixsock', 'pool.ipc.socket', 'pool.message-bus', 'pool.ipc.msgqueue', 'pool.supervision', 'pool.coroutine'];

/** Runs one pool scenario against the reference (or a mutant of it). */
export async function runPoolScenario(id: AdapterIdentity, ref: ReferenceModule, scenario: PoolScenario): Promise<void> {
  const isMaster = claimMaster();
  const { worker_num, ipc_type, msgqueue_key, enable_coroutine } = scenario.args;
  const lastError = () => ref.swooleLastError?.() ?? 0;
  let built: PoolLike | undefined;
  const workerId = () => (isMaster || !built ? null : typeof built.workerId === 'number' && built.workerId >= 0 ? built.workerId : null);
  const control = new ControlClient(process.env.SWC_CONTROL!, () => (isMaster ? 'master' : 'worker'), workerId);
  try {
    built = new ref.Pool(worker_num, ipc_type, msgqueue_key, enable_coroutine);
  } catch (e) {
    // The constructor threw (e.g. worker_num 0): report it; there is no pool to start.
    const { seq, actions } = await control.event('ConstructError', { threw: threwOf(e), last_error: lastError() }, 'master');
    const done = await perform(actions, { object: {}, lastError });
    await control.done(seq, done.results);
    process.exit(0);
  }
  const pool = built;
  const m = id.mutation;
  const delegate = delegator(control, targetOf(pool, lastError, m?.call?.bind(m)));

  if (scenario.set) pool.set(m?.options ? m.options(scenario.set) : scenario.set);
  // What each on() answered (false for an unknown name, a throw for onMessage with ipc NONE).
  const onResults: Record<string, ActionResult> = {};
  for (const ev of scenario.events) {
    const masterSide = ev === 'Start' || ev === 'Shutdown';
    const cb = (_p: unknown, arg: unknown) => {
      const args: Record<string, unknown> = {};
      if (ev === 'Message') {
        const data = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
        args.data = summarize(m?.received ? m.received(data, scenario) : data);
      } else if (typeof arg === 'number') args.worker_id = arg;
      return delegate(ev, masterSide ? 'master' : 'worker', args, ev === 'Message' ? { data: arg } : { worker_id: arg });
    };
    try {
      onResults[ev] = { ret: toWire(pool.on(ev, cb)), last_error: lastError() };
    } catch (e) {
      onResults[ev] = { ret: null, last_error: lastError(), threw: threwOf(e) };
    }
  }
  let listenRet: unknown = null;
  if (scenario.listen) {
    const host = m?.listen ? await m.listen(scenario.listen.host, isMaster) : scenario.listen.host;
    listenRet = pool.listen(host, scenario.listen.port, scenario.listen.backlog ?? 2048);
  }
  if (isMaster) await delegate('Init', 'master', { listen: toWire(listenRet), last_error: lastError(), on: onResults });
  let ret: unknown;
  try {
    ret = await pool.start();
  } catch (e) {
    // start() refusing by exception (e.g. onWorkerExit without coroutines, P12) is reported.
    if (isMaster) await delegate('Return', 'master', { ret: null, last_error: lastError(), threw: threwOf(e) });
    process.exit(0);
  }
  if (isMaster) await delegate('Return', 'master', { ret: toWire(ret), last_error: lastError() });
  process.exit(0);
}
