import { readFileSync } from 'node:fs';
import { summarize } from '../../protocol/bytes.ts';
import { EXIT_UNAVAILABLE, type ActionResult, type PoolScenario, type Role, type Scenario } from '../../protocol/messages.ts';
import { ControlClient } from './control.ts';
import { perform, threwOf, toWire } from './perform.ts';

/** The reference Pool's surface as this adapter uses it (Swoole's names). */
interface PoolLike {
  set(options: Record<string, unknown>): unknown;
  on(name: string, cb: (...args: unknown[]) => unknown): unknown;
  listen(host: string, port?: number, backlog?: number): boolean;
  start(): Promise<unknown> | unknown;
  workerId?: number;
  [k: string]: unknown;
}

interface ReferenceModule {
  Pool: new (workerNum: number, ipcType?: number, msgqueueKey?: number, enableCoroutine?: boolean) => PoolLike;
  swooleLastError?: () => number;
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
}

export interface AdapterIdentity {
  name: string;
  version: string;
  features: string[];
  mutation?: Mutation;
}

/** Features the reference declares (spec/features.json tags). */
export const REFERENCE_POOL_FEATURES = ['pool', 'pool.ipc.none', 'pool.ipc.unixsock', 'pool.ipc.socket', 'pool.message-bus', 'pool.ipc.msgqueue', 'pool.supervision'];

const MASTER_ENV = 'SWC_ADAPTER_MASTER_PID';

async function loadReference(): Promise<ReferenceModule | string> {
  try {
    // SWC_REFERENCE_MODULE lets the harness tests point the adapter at a stand-in Pool.
    const spec = process.env.SWC_REFERENCE_MODULE ?? '../../../reference/index.ts';
    const mod = (await import(spec)) as Partial<ReferenceModule>;
    if (typeof mod.Pool !== 'function') return 'reference/index.ts exports no Pool yet';
    return mod as ReferenceModule;
  } catch (e) {
    return `reference Pool cannot load: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Entry point shared by the reference adapter and its mutants. */
export async function runPoolAdapter(id: AdapterIdentity): Promise<void> {
  const ref = await loadReference();
  if (process.env.SWC_DESCRIBE === '1') {
    if (typeof ref === 'string') {
      process.stdout.write(JSON.stringify({ protocol: 1, name: id.name, unavailable: ref }) + '\n');
      process.exitCode = EXIT_UNAVAILABLE;
      return;
    }
    process.stdout.write(JSON.stringify({ protocol: 1, name: id.name, version: id.version, features: id.features }) + '\n');
    return;
  }
  if (typeof ref === 'string') {
    process.stderr.write(`${ref}\n`);
    process.exit(EXIT_UNAVAILABLE);
  }
  const scenario = JSON.parse(readFileSync(process.env.SWC_SCENARIO!, 'utf8')) as Scenario;
  if (scenario.kind !== 'pool') {
    process.stderr.write(`${id.name}: scenario kind ${scenario.kind} not supported\n`);
    process.exit(EXIT_UNAVAILABLE);
  }
  // Workers re-run this script (node cluster model): only the first process is the master.
  const isMaster = process.env[MASTER_ENV] === undefined || process.env[MASTER_ENV] === String(process.pid);
  process.env[MASTER_ENV] ??= String(process.pid);

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
  const target = {
    object: new Proxy(pool as Record<string, unknown>, {
      get(o, k) {
        const v = o[k as string];
        if (typeof v !== 'function' || !m?.call) return typeof v === 'function' ? v.bind(o) : v;
        return (...args: unknown[]) => m.call!(k as string, args)?.ret ?? (v as (...a: unknown[]) => unknown).apply(o, args);
      },
    }),
    lastError,
  };

  const delegate = async (name: string, role: Role, args: Record<string, unknown>): Promise<unknown> => {
    const { seq, actions } = await control.event(name, args, role);
    const done = await perform(actions, target);
    await control.done(seq, done.results);
    if (done.exitCode !== undefined) process.exit(done.exitCode);
    if (done.toThrow) throw done.toThrow;
    return done.returnValue;
  };

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
      return delegate(ev, masterSide ? 'master' : 'worker', args);
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
  const ret = await pool.start();
  if (isMaster) await delegate('Return', 'master', { ret: toWire(ret), last_error: lastError() });
  process.exit(0);
}
