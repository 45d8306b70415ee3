/**
 * Adapter protocol v1: the shapes of every line exchanged with an adapter. The normative text is
 * spec/adapter-protocol.md; the JSON schema for adapter→runner lines is
 * spec/schema/adapter-messages.schema.json. Keep the three in step.
 */

export const PROTOCOL_VERSION = 1;

/** Exit status an adapter uses (with an `unavailable` line) when it cannot run here at all. */
export const EXIT_UNAVAILABLE = 69;

export type Role = 'master' | 'manager' | 'worker' | 'task_worker' | 'user_process';

/** Compact description of a payload the adapter saw (cheap even for MB-sized messages). */
export interface BytesSummary {
  $bytes: { len: number; sha256: string; head: string };
}

/** A payload the runner asks the adapter to produce: literal hex, or a repeated pattern. */
export type BytesSpec = { $bytes: { hex: string } } | { $bytes: { fill: string; len: number } };

/**
 * In action args: the current callback's argument by that name, as the implementation passed it
 * (raw bytes for `data`), e.g. `send({"$arg": "fd"}, {"$arg": "data"})` echoes a packet.
 */
export interface ArgRef {
  $arg: string;
}

/**
 * In action args: a callable the adapter makes, which delegates the event `name` when the
 * implementation calls it, with the callable's arguments after the leading server named by
 * `args` (e.g. task()'s per-task callback: `{"$callback": {"name": "TaskDone", "args":
 * ["task_id", "data"]}}`). Its `return` action is what the callable returns.
 */
export interface CallbackRef {
  $callback: { name: string; args?: string[] };
}

export interface DescribeLine {
  protocol: 1;
  name: string;
  version: string;
  features: string[];
}

export interface UnavailableLine {
  protocol: 1;
  name?: string;
  unavailable: string;
}

export interface HelloMessage {
  t: 'hello';
  protocol: 1;
  pid: number;
  ppid: number;
  role: Role;
  worker_id?: number | null;
}

export interface EventMessage {
  t: 'event';
  seq: number;
  pid: number;
  role: Role;
  worker_id?: number | null;
  name: string;
  args: Record<string, unknown>;
}

export interface ActionResult {
  ret: unknown;
  last_error?: number;
  threw?: { code?: number | null; message: string; class?: string };
}

export interface DoneMessage {
  t: 'done';
  re: number;
  pid?: number;
  results: ActionResult[];
}

export interface LogMessage {
  t: 'log';
  pid: number;
  level?: 'debug' | 'info' | 'warning' | 'error';
  message: string;
  code?: number;
}

export type AdapterMessage = HelloMessage | EventMessage | DoneMessage | LogMessage;

/** Args of the master's pseudo-event Init (before start()). `on` is absent in older adapters. */
export interface InitArgs {
  listen: unknown;
  last_error: number;
  /** What each on(<event>) of the scenario answered. */
  on?: Record<string, ActionResult>;
}

/** Args of the pseudo-event ConstructError: the Pool constructor threw; nothing else runs. */
export interface ConstructErrorArgs {
  threw: NonNullable<ActionResult['threw']>;
  last_error: number;
}

/**
 * The closed set of actions. An adapter performs them in order inside the callback and
 * reports one ActionResult each; it judges nothing.
 */
export type Action =
  | { call: string; args?: unknown[]; prop?: string; then?: { call: string; args?: unknown[] } }
  | { exit: number }
  | { throw: string }
  | { sleep_ms: number }
  | { ignore_signal: string }
  | { handle_signal: { signal: string; then: 'exit' | 'ignore'; after_ms?: number; notify?: boolean } }
  | { report: string[] }
  | { return: unknown }
  | { construct: { class: 'Server' | 'Pool'; args?: unknown[] } };

export interface DoMessage {
  t: 'do';
  re: number;
  actions: Action[];
}

/** Scenario file contents (SWC_SCENARIO). */
export interface PoolScenario {
  kind: 'pool';
  args: { worker_num: number; ipc_type: number; msgqueue_key: number; enable_coroutine: boolean };
  set?: Record<string, unknown>;
  /** Callback names to register, Swoole spelling without "on": WorkerStart, Message, … */
  events: string[];
  /** SOCKET pools: where to listen. host may be "unix:/path". */
  listen?: { host: string; port: number; backlog?: number };
}

/** An extra port: `addListener(host, port, sock_type)`, then its own `set()` and callbacks. */
export interface ListenerScenario {
  host: string;
  port: number;
  sock_type: number;
  set?: Record<string, unknown>;
  /** Callbacks registered on the port object (same names as the server's). */
  events?: string[];
}

export interface ServerScenario {
  kind: 'server';
  /** Address, or the socket path for SWOOLE_SOCK_UNIX_STREAM / UNIX_DGRAM. */
  host: string;
  /** 0 asks for a kernel-assigned port; Init reports the real one. */
  port: number;
  /** SWOOLE_BASE (1) or SWOOLE_PROCESS (2). */
  mode: number;
  sock_type: number;
  set?: Record<string, unknown>;
  /** Callbacks to register on the server, Swoole spelling without "on": Receive, Connect, … */
  events: string[];
  listeners?: ListenerScenario[];
  /**
   * User processes: one `addProcess(new Process(cb))` each, in order, before start(). The
   * callback delegates the pseudo-event `UserProcess` {index, id} in the user process.
   */
  processes?: UserProcessScenario[];
  /** `addCommand(name, types, cb)` each, in order, before start(); cb delegates `Command` {name, json}. */
  commands?: CommandScenario[];
}

/** A user process (addProcess). Reserved for options; `{}` is a plain process. */
export type UserProcessScenario = Record<string, never>;

export interface CommandScenario {
  name: string;
  /** Bitmask of SWOOLE_SERVER_COMMAND_* process types. */
  types: number;
}

/** One bound port as Init reports it (main port first, then listeners in scenario order). */
export interface BoundPort {
  host: string;
  port: number;
  sock_type: number;
}

export type Scenario = PoolScenario | ServerScenario;
