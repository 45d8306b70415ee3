import { summarize } from '../../protocol/bytes.ts';
import type { BoundPort, Role, ServerScenario } from '../../protocol/messages.ts';
import { ControlClient } from './control.ts';
import { claimMaster, delegator, targetOf } from './delegate.ts';
import type { ReferenceModule } from './main.ts';
import type { AdapterIdentity } from './pool-adapter.ts';
import { threwOf, toWire } from './perform.ts';

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
  [k: string]: unknown;
}

interface PortLike {
  host?: string;
  port: number;
  set(options: Record<string, unknown>): unknown;
  on(name: string, cb: (...args: unknown[]) => unknown): unknown;
}

/** Features the reference Server declares (spec/features.json tags). */
export const REFERENCE_SERVER_FEATURES = ['server', 'server.base', 'server.process', 'server.dispatch', 'server.reload', 'server.tcp', 'server.udp', 'server.unix', 'server.multi-port', 'server.heartbeat', 'framing.length', 'framing.eof'];

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

/** Runs one server scenario against the reference Server. */
export async function runServerScenario(id: AdapterIdentity, ref: ReferenceModule, scenario: ServerScenario): Promise<void> {
  const isMaster = claimMaster();
  const Server = ref.Server!;
  let server: ServerLike;
  const workerId = (): number | null => {
    const w = server?.getWorkerId?.();
    return typeof w === 'number' && w >= 0 ? w : null;
  };
  const control = new ControlClient(process.env.SWC_CONTROL!, () => (isMaster ? 'master' : 'worker'), workerId);
  const lastError = () => server?.getLastError?.() ?? ref.swooleLastError?.() ?? 0;
  try {
    server = new Server(scenario.host, scenario.port, scenario.mode, scenario.sock_type);
  } catch (e) {
    // S1/h15: a taken port or a bad host makes the constructor throw; report it and stop.
    const bare = delegator(control, targetOf({}, () => ref.swooleLastError?.() ?? 0));
    await bare('ConstructError', 'master', { threw: threwOf(e), last_error: ref.swooleLastError?.() ?? 0 });
    process.exit(0);
  }
  const delegate = delegator(control, targetOf(server, lastError));
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
  if (isMaster) await delegate('Init', 'master', { ports, last_error: lastError() });
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
