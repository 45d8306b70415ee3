import { summarize } from '../../protocol/bytes.ts';
import type { ActionResult, BoundPort, Role, ServerScenario } from '../../protocol/messages.ts';
import { ControlClient } from './control.ts';
import { claimMaster, delegator, targetOf } from './delegate.ts';
import type { ReferenceModule } from './main.ts';
import type { AdapterIdentity } from './pool-adapter.ts';
import { perform, threwOf, toWire, type Target } from './perform.ts';

/** The reference Server's surface as this adapter uses it (Swoole's names). */
export interface ServerLike {
  set(options: Record<string, unknown>): unknown;
  on(name: string, cb: (...args: unknown[]) => unknown): unknown;
  addListener(host: string, port: number, sockType: number): PortLike | false;
  start(): Promise<unknown> | unknown;
  getLastError?(): number;
  getWorkerId?(): number | false;
  taskworker?: boolean;
  port?: number;
  getManagerPid?(): number;
  addProcess?(process: object): unknown;
  addCommand?(name: string, types: number, cb: (...args: unknown[]) => unknown): unknown;
  [k: string]: unknown;
}

interface PortLike {
  host?: string;
  port: number;
  set(options: Record<string, unknown>): unknown;
  on(name: string, cb: (...args: unknown[]) => unknown): unknown;
}

/** Features the reference Server declares (spec/features.json tags). */
export const REFERENCE_SERVER_FEATURES = ['server', 'server.base', 'server.process', 'server.dispatch', 'server.reload', 'server.tcp', 'server.udp', 'server.unix', 'server.unix-dgram', 'server.multi-port', 'server.heartbeat', 'server.tasks', 'server.pipe-message', 'server.user-process', 'server.command', 'framing.length', 'framing.eof'];

/** Swoole's argument names per callback, in order after the leading $server. */
const ARG_NAMES: Record<string, string[]> = {
  connect: ['fd', 'reactor_id'],
  receive: ['fd', 'reactor_id', 'data'],
  close: ['fd', 'reactor_id'],
  packet: ['data', 'client_info'],
  bufferfull: ['fd'],
  bufferempty: ['fd'],
  workerstart: ['worker_id'],
  workerstop: ['worker_id'],
  workerexit: ['worker_id'],
  workererror: ['worker_id', 'worker_pid', 'exit_code', 'signal'],
  pipemessage: ['src_worker_id', 'data'],
  task: ['task_id', 'src_worker_id', 'data'],
  finish: ['task_id', 'data'],
};

const MASTER_EVENTS = new Set(['start', 'shutdown', 'beforeshutdown']);
const MANAGER_EVENTS = new Set(['managerstart', 'managerstop', 'workererror']);

/** Payloads become byte summaries; structured task/pipe data stays JSON. */
function wireArg(name: string, v: unknown): unknown {
  if (name === 'data' && (typeof v === 'string' || Buffer.isBuffer(v))) return summarize(Buffer.from(v as string | Buffer));
  return toWire(v);
}

/** The server seen through a mutation that rewrites method results (conformance/adapters/mutant). */
function withResults(object: Record<string, unknown>, rewrite: (method: string, ret: unknown) => unknown): Record<string, unknown> {
  return new Proxy(object, {
    get(o, k) {
      const v = o[k as string];
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown)(...args);
        return r instanceof Promise ? r.then((x) => rewrite(k as string, x)) : rewrite(k as string, r);
      };
    },
  });
}

/** Runs one server scenario against the reference Server. */
export async function runServerScenario(id: AdapterIdentity, ref: ReferenceModule, scenario: ServerScenario): Promise<void> {
  const isMaster = claimMaster();
  const Server = ref.Server!;
  let server: ServerLike;
  let inUserProcess = false;
  const workerId = (): number | null => {
    const w = server?.getWorkerId?.();
    return typeof w === 'number' && w >= 0 ? w : null;
  };
  // The role of the process now (for hello and for callbacks that may run anywhere: commands,
  // callables, signals). Which process is the "master" is Swoole's question; here the manager
  // of a PROCESS server is also its master, and reports as manager.
  const roleNow = (): Role => {
    if (inUserProcess) return 'user_process';
    if (server?.taskworker === true) return 'task_worker';
    if (workerId() !== null) return 'worker';
    const mgr = server?.getManagerPid?.();
    if (typeof mgr === 'number' && mgr === process.pid) return 'manager';
    return isMaster ? 'master' : 'worker';
  };
  const control = new ControlClient(process.env.SWC_CONTROL!, () => (isMaster ? 'master' : roleNow()), workerId);
  const lastError = () => server?.getLastError?.() ?? ref.swooleLastError?.() ?? 0;
  try {
    server = new Server(scenario.host, scenario.port, scenario.mode, scenario.sock_type);
  } catch (e) {
    // S1/h15: a taken port or a bad host makes the constructor throw; report it and stop.
    const bare = delegator(control, targetOf({}, () => ref.swooleLastError?.() ?? 0));
    await bare('ConstructError', 'master', { threw: threwOf(e), last_error: ref.swooleLastError?.() ?? 0 });
    process.exit(0);
  }
  let delegate: ReturnType<typeof delegator>;
  // Callables for `$callback` args (task()'s per-task callback, addCommand's): they delegate the
  // named event with their arguments after the leading server.
  const callable = (spec: { name: string; args?: string[] }) => (_s: unknown, ...given: unknown[]) => {
    const raw: Record<string, unknown> = {};
    const args: Record<string, unknown> = {};
    (spec.args ?? []).forEach((n, i) => {
      raw[n] = given[i];
      args[n] = wireArg(n, given[i]);
    });
    return delegate(spec.name, roleNow(), args, raw);
  };
  const base = targetOf(server, lastError);
  const rewrite = id.mutation?.serverResult;
  const target: Target = {
    ...base,
    ...(rewrite ? { object: withResults(base.object, rewrite) } : {}),
    callback: callable,
    notify: (name, args) => delegate(name, roleNow(), args),
  };
  delegate = delegator(control, target);
  const register = (on: (name: string, cb: (...args: unknown[]) => unknown) => unknown, ev: string, listener?: number): void => {
    const key = ev.toLowerCase();
    const names = ARG_NAMES[key] ?? [];
    on(ev, (_s: unknown, ...given: unknown[]) => {
      const raw: Record<string, unknown> = {};
      const args: Record<string, unknown> = {};
      names.forEach((n, i) => {
        raw[n] = given[i];
        args[n] = wireArg(n, given[i]);
      });
      if (listener !== undefined) args.listener = listener;
      const role: Role = MASTER_EVENTS.has(key) ? 'master' : MANAGER_EVENTS.has(key) ? 'manager' : key === 'task' || server.taskworker === true ? 'task_worker' : 'worker';
      return delegate(ev, role, args, raw);
    });
  };
  const attempt = (fn: () => unknown): ActionResult => {
    try {
      return { ret: toWire(fn()), last_error: lastError() };
    } catch (e) {
      return { ret: null, last_error: lastError(), threw: threwOf(e) };
    }
  };

  const m = id.mutation;
  if (scenario.set) server.set(m?.serverOptions ? m.serverOptions(scenario.set) : scenario.set);
  for (const ev of scenario.events) register((n, cb) => server.on(n, cb), ev);
  const ports: (BoundPort | null)[] = [{ host: scenario.host, port: Number(server.port ?? scenario.port), sock_type: scenario.sock_type }];
  for (const [i, l] of (scenario.listeners ?? []).entries()) {
    const p = server.addListener(l.host, l.port, l.sock_type);
    if (!p) {
      ports.push(null);
      continue;
    }
    if (l.set) p.set(l.set);
    for (const ev of l.events ?? []) register((n, cb) => p.on(n, cb), ev, i + 1);
    ports.push({ host: l.host, port: p.port, sock_type: l.sock_type });
  }
  // Built in every process in the same order: the user process re-runs this script and finds
  // its own Process by index (reference/process/README.md).
  const processes = (scenario.processes ?? []).map((_p, index) =>
    attempt(() => {
      if (!ref.Process) throw new Error('the reference exports no Process');
      const proc = new ref.Process(async (self) => {
        inUserProcess = true;
        const { seq, actions } = await control.event('UserProcess', { index, id: toWire(self?.id) }, 'user_process');
        const done = await perform(actions, target, {});
        await control.done(seq, done.results);
        if (done.exitCode !== undefined) process.exit(done.exitCode);
        if (done.toThrow) throw done.toThrow;
        // Without a `return` action the process stays in its callback until signalled.
        if (!actions.some((a) => 'return' in a)) await new Promise(() => setInterval(() => {}, 1 << 30));
        return done.returnValue;
      });
      return server.addProcess!(proc);
    }),
  );
  const commands = (scenario.commands ?? []).map((c) =>
    attempt(() => server.addCommand!(c.name, c.types, (_s: unknown, json: unknown) => delegate('Command', roleNow(), { name: c.name, json: toWire(json) }, { json }))),
  );
  if (isMaster) {
    const extra = { ...(scenario.processes ? { processes } : {}), ...(scenario.commands ? { commands } : {}) };
    await delegate('Init', 'master', { ports, last_error: lastError(), ...extra });
  }
  let ret: unknown;
  try {
    ret = await server.start();
  } catch (e) {
    // A start() that throws (missing callback, unsupported setting) is reported, not a crash.
    if (isMaster) await delegate('Return', 'master', { ret: null, last_error: lastError(), threw: threwOf(e) });
    process.exit(0);
  }
  if (isMaster) await delegate('Return', 'master', { ret: toWire(ret), last_error: lastError() });
  process.exit(0);
}
