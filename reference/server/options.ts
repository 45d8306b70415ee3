/**
 * Server `set()` options: Swoole's names, defaults and validation, as pure functions.
 * The Server class keeps the resulting record; nothing here touches sockets or timers.
 *
 * Channels (clause server.options.*):
 * - unknown key: accepted, reported in `unknown` (the caller emits a warning, code INVALID_OPTION);
 * - value of the wrong type or out of its domain: SwooleError (INVALID_OPTION, or the framing
 *   codes INVALID_LENGTH_TYPE / INVALID_OFFSET / INVALID_EOF);
 * - set() after start: false (see `applySet`).
 */
import { availableParallelism } from 'node:os';
import { ErrorCode, SwooleError } from '../errors.ts';
import type { ErrorCodeValue } from '../errors.ts';
import { Limits, SWOOLE_BASE, SWOOLE_PROCESS } from '../constants.ts';

const UINT32_MAX = 0xffffffff;

export type OptionKind = 'int' | 'number' | 'bool' | 'size' | 'string' | 'callable' | 'any';

export interface OptionSpec {
  readonly kind: OptionKind;
  /** 'port' options may also be set per listener (Port.set). */
  readonly scope: 'server' | 'port';
  /** Canonical name this key is an alias of. */
  readonly aliasOf?: string;
  /** Normalises an already type-checked value, or throws SwooleError. */
  readonly check?: (value: never, name: string) => unknown;
}

/** The 14 length-type codes (L2) and their widths. */
export const LENGTH_TYPE_WIDTH: Readonly<Record<string, number>> = Object.freeze({
  c: 1, C: 1, s: 2, S: 2, n: 2, v: 2, l: 4, L: 4, N: 4, V: 4, q: 8, Q: 8, J: 8, P: 8,
});

function fail(code: ErrorCodeValue, message: string): never {
  throw new SwooleError(code, message);
}

const clamp = (lo: number, hi: number) => (v: number) => Math.min(hi, Math.max(lo, v));

const OPTION_TABLE: Record<string, OptionSpec> = {
  // processes
  worker_num: { kind: 'int', scope: 'server' },
  reactor_num: { kind: 'int', scope: 'server' },
  task_worker_num: { kind: 'int', scope: 'server', check: (v: number, n) => (v < 0 ? fail(ErrorCode.INVALID_OPTION, `${n} must be >= 0`) : v) },
  task_ipc_mode: { kind: 'int', scope: 'server', check: (v: number, n) => (v >= 1 && v <= 4 ? v : fail(ErrorCode.INVALID_OPTION, `${n} must be 1..4`)) },
  task_max_request: { kind: 'int', scope: 'server', check: clamp(0, Number.MAX_SAFE_INTEGER) },
  task_max_request_grace: { kind: 'int', scope: 'server', check: clamp(0, Number.MAX_SAFE_INTEGER) },
  task_enable_coroutine: { kind: 'bool', scope: 'server' },
  task_tmpdir: { kind: 'string', scope: 'server' },
  max_request: { kind: 'int', scope: 'server', check: clamp(0, Number.MAX_SAFE_INTEGER) },
  max_request_grace: { kind: 'int', scope: 'server', check: clamp(0, Number.MAX_SAFE_INTEGER) },
  max_wait_time: { kind: 'number', scope: 'server', check: clamp(0, Number.MAX_SAFE_INTEGER) },
  reload_async: { kind: 'bool', scope: 'server' },
  enable_coroutine: { kind: 'bool', scope: 'server' },
  daemonize: { kind: 'bool', scope: 'server' },
  log_file: { kind: 'string', scope: 'server' },
  log_level: { kind: 'int', scope: 'server' },
  pid_file: { kind: 'string', scope: 'server' },
  /** Ours: keep one pre-booted worker process so a replacement starts at once (default true). */
  standby: { kind: 'bool', scope: 'server' },
  /**
   * Ours (Swoole's old name for the pipe buffer): bytes one process may hold for full inboxes of
   * other processes (tasks, results, pipe messages); past it task()/sendMessage() return false
   * with 9006 (explicit backpressure). Default 64 MiB.
   */
  pipe_buffer_size: { kind: 'size', scope: 'server' },
  /** Ours: busy-poll budget (µs) of taskwait and of task workers between messages (messaging.ts, backed off by spin.ts when it does not pay); default 50, 0 turns it off. */
  task_spin_us: { kind: 'int', scope: 'server', check: (v: number, n) => (v < 0 ? fail(ErrorCode.INVALID_OPTION, `${n} must be >= 0`) : v) },
  // dispatch
  dispatch_mode: {
    kind: 'int',
    scope: 'server',
    check: (v: number, n) => (v >= 1 && v <= 10 ? v : fail(ErrorCode.INVALID_OPTION, `${n} must be 1..10, got ${v}`)),
  },
  dispatch_func: { kind: 'callable', scope: 'server' },
  enable_unsafe_event: { kind: 'bool', scope: 'server' },
  discard_timeout_request: { kind: 'bool', scope: 'server' },
  enable_delay_receive: { kind: 'bool', scope: 'server' },
  // connections
  max_connection: { kind: 'int', scope: 'server', check: (v: number, n) => (v > 0 ? v : fail(ErrorCode.INVALID_OPTION, `${n} must be > 0`)) },
  start_session_id: { kind: 'int', scope: 'server', check: clamp(0, UINT32_MAX) },
  heartbeat_check_interval: { kind: 'number', scope: 'server', check: clamp(0, 65535) },
  output_buffer_size: { kind: 'size', scope: 'server' },
  buffer_output_size: { kind: 'size', scope: 'server', aliasOf: 'output_buffer_size' },
  socket_buffer_size: { kind: 'size', scope: 'server' },
  input_buffer_size: { kind: 'size', scope: 'server' },
  max_queued_bytes: { kind: 'size', scope: 'server' },
  send_yield: { kind: 'bool', scope: 'server' },
  backlog: { kind: 'int', scope: 'port' },
  // per-port: heartbeat/idle and protocol
  heartbeat_idle_time: { kind: 'number', scope: 'port', check: clamp(0, Number.MAX_SAFE_INTEGER) },
  max_idle_time: { kind: 'number', scope: 'port', check: (v: number) => (v <= 0 ? 0 : Math.max(0.001, v)) },
  open_tcp_nodelay: { kind: 'bool', scope: 'port' },
  /** bufferFull / bufferEmpty marks (watermark.ts): 0 = 80 % of socket_buffer_size, and 0. */
  buffer_high_watermark: { kind: 'size', scope: 'port', check: clamp(0, UINT32_MAX) },
  buffer_low_watermark: { kind: 'size', scope: 'port', check: clamp(0, UINT32_MAX) },
  open_length_check: { kind: 'bool', scope: 'port' },
  open_eof_check: { kind: 'bool', scope: 'port' },
  open_eof_split: { kind: 'bool', scope: 'port' },
  package_eof: {
    kind: 'any',
    scope: 'port',
    check: (v: unknown, n) => {
      if (typeof v !== 'string' && !Buffer.isBuffer(v)) fail(ErrorCode.INVALID_EOF, `${n} must be a string`);
      const bytes = Buffer.from(v as string | Buffer);
      if (bytes.length === 0) fail(ErrorCode.INVALID_EOF, 'package_eof cannot be an empty string');
      if (bytes.length > Limits.EOF_MAX_LEN) fail(ErrorCode.INVALID_EOF, `package_eof max length is ${Limits.EOF_MAX_LEN}`);
      return bytes;
    },
  },
  package_length_type: {
    kind: 'string',
    scope: 'port',
    check: (v: string, n) => {
      const code = v.charAt(0);
      if (LENGTH_TYPE_WIDTH[code] === undefined) fail(ErrorCode.INVALID_LENGTH_TYPE, `unknown ${n} '${v}'`);
      return code;
    },
  },
  package_length_offset: { kind: 'int', scope: 'port', check: (v: number, n) => checkOffset(v, n) },
  package_body_offset: { kind: 'int', scope: 'port', check: (v: number, n) => checkOffset(v, n) },
  package_body_start: { kind: 'int', scope: 'port', aliasOf: 'package_body_offset' },
  package_length_func: { kind: 'callable', scope: 'port' },
  package_max_length: { kind: 'size', scope: 'port', check: clamp(0, UINT32_MAX) },
};

/** L12: clamp to [0, 65535]; above SW_IPC_BUFFER_SIZE (8152) is an error. */
function checkOffset(v: number, name: string): number {
  const c = Math.min(65535, Math.max(0, v));
  if (c > Limits.IPC_BUFFER_SIZE) fail(ErrorCode.INVALID_OFFSET, `'${name}' value is too large`);
  return c;
}

export function optionSpec(name: string): OptionSpec | undefined {
  return Object.hasOwn(OPTION_TABLE, name) ? OPTION_TABLE[name] : undefined;
}

export function isPortOption(name: string): boolean {
  return optionSpec(name)?.scope === 'port';
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Swoole's parse_option_to_size: an integer, or a string like "2M" / "512k"; anything else is an error. */
export function parseSize(value: unknown, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(ErrorCode.INVALID_OPTION, `${name}: not a finite size`);
    return Math.max(0, Math.trunc(value));
  }
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*([bkmg]?)\s*$/i.exec(value);
    if (!m) fail(ErrorCode.INVALID_OPTION, `${name}: invalid size '${value}'`);
    return Number(m[1]) * (SIZE_UNITS[m[2]!.toLowerCase()] ?? 1);
  }
  fail(ErrorCode.INVALID_OPTION, `${name}: size must be an integer or a string like '2M'`);
}

function coerce(name: string, spec: OptionSpec, value: unknown): unknown {
  switch (spec.kind) {
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      return fail(ErrorCode.INVALID_OPTION, `${name} must be a boolean`);
    case 'int':
      if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
      return fail(ErrorCode.INVALID_OPTION, `${name} must be an integer`);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      return fail(ErrorCode.INVALID_OPTION, `${name} must be a number`);
    case 'size':
      return parseSize(value, name);
    case 'string':
      if (typeof value === 'string') return value;
      return fail(ErrorCode.INVALID_OPTION, `${name} must be a string`);
    case 'callable':
      if (typeof value === 'function') return value;
      return fail(ErrorCode.INVALID_OPTION, `${name} must be a function`);
    case 'any':
      return value;
  }
}

export type Settings = Readonly<Record<string, unknown>>;

export interface ValidatedSet {
  /** Canonical names → normalised values. */
  values: Record<string, unknown>;
  /** Keys not in the table (accepted as given, warned about by the caller). */
  unknown: string[];
}

/** Validates one set() call. Throws SwooleError on the first invalid value; keeps nothing on error. */
export function validateOptions(input: Record<string, unknown>, scope: 'server' | 'port' = 'server'): ValidatedSet {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail(ErrorCode.INVALID_OPTION, 'set() takes an object of options');
  }
  const values: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, raw] of Object.entries(input)) {
    const spec = optionSpec(key);
    if (!spec || (scope === 'port' && spec.scope !== 'port')) {
      unknown.push(key);
      values[key] = raw;
      continue;
    }
    const canonical = spec.aliasOf ?? key;
    const canonicalSpec = optionSpec(canonical) ?? spec;
    let v = coerce(key, canonicalSpec, raw);
    if (canonicalSpec.check) v = (canonicalSpec.check as (x: unknown, n: string) => unknown)(v, key);
    values[canonical] = v;
    // E1: open_eof_split implies open_eof_check.
    if (canonical === 'open_eof_split' && v === true) values.open_eof_check = true;
  }
  return { values, unknown };
}

export function cpuCount(): number {
  return Math.max(1, availableParallelism());
}

/** S2/S3: defaults for a new server of `mode`. */
export function serverDefaults(mode: number, cpus: number): Record<string, unknown> {
  return {
    worker_num: mode === SWOOLE_BASE ? 1 : cpus,
    reactor_num: mode === SWOOLE_BASE ? 1 : Math.min(cpus, 8),
    dispatch_mode: 2,
    task_worker_num: 0,
    task_ipc_mode: 1,
    max_wait_time: Limits.WORKER_MAX_WAIT_TIME,
    max_request: 0,
    reload_async: true,
    enable_coroutine: true,
    output_buffer_size: UINT32_MAX,
    socket_buffer_size: 8 * 1024 * 1024,
    input_buffer_size: Limits.INPUT_BUFFER_SIZE,
    start_session_id: 0,
    heartbeat_check_interval: 0,
    enable_delay_receive: false,
    enable_unsafe_event: false,
    discard_timeout_request: true,
  };
}

/** L1: protocol defaults of every port. */
export function portDefaults(): Record<string, unknown> {
  return {
    open_length_check: false,
    open_eof_check: false,
    open_eof_split: false,
    package_length_type: 'N',
    package_length_offset: 0,
    package_body_offset: 4,
    package_max_length: Limits.INPUT_BUFFER_SIZE,
    package_eof: Buffer.from(Limits.DEFAULT_EOF),
    heartbeat_idle_time: 0,
    max_idle_time: 0,
  };
}

/** S2: worker_num ≤ 0 means the CPU count; capped at CPU×1000. reactor_num is capped to worker_num. */
export function resolveWorkerNum(value: number, cpus: number): number {
  if (value <= 0) return cpus;
  return Math.min(value, cpus * 1000);
}

export interface HeartbeatPlan {
  /** Seconds without received data after which a connection is closed. */
  idleTime: number;
  /** Seconds between checks. */
  checkInterval: number;
  /** Observed period between checks, ms (h4): max(1, floor(min(interval, idle/2))) whole seconds. */
  periodMs: number;
}

/** S30 derivation: null when heartbeat is off. */
export function heartbeatPlan(interval: number, idle: number): HeartbeatPlan | null {
  let i = interval > 0 ? interval : 0;
  let d = idle > 0 ? idle : 0;
  if (i === 0 && d === 0) return null;
  if (i === 0) i = d > 2 ? d / 2 : 1;
  if (d === 0) d = 2 * i;
  const periodSec = Math.max(1, Math.floor(Math.min(i, d / 2)));
  return { idleTime: d, checkInterval: i, periodMs: periodSec * 1000 };
}

/** S24: the grace applied when the user did not set max_request_grace. */
export function defaultMaxRequestGrace(maxRequest: number): number {
  return maxRequest > 10 ? Math.floor(maxRequest / 2) : 0;
}

/**
 * S24/h3: requests a worker serves before it is recycled; 0 = unlimited.
 * `random01` is injected so the choice stays pure and testable.
 */
export function maxRequestThreshold(maxRequest: number, grace: number | undefined, random01: () => number): number {
  if (maxRequest <= 0) return 0;
  const g = grace ?? defaultMaxRequestGrace(maxRequest);
  if (g <= 0) return maxRequest;
  return maxRequest + 1 + Math.min(g - 1, Math.floor(random01() * g));
}

/** L13: at start() every port's package_max_length is raised to at least 64 KiB. */
export function effectivePackageMaxLength(value: number): number {
  return Math.max(Limits.BUFFER_MIN_SIZE, value);
}

/** S3: the keys start() adds to `setting` when the user left them out. */
export function settingAtStart(user: Settings, defaults: Settings, maxConnection: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...user };
  for (const k of ['worker_num', 'task_worker_num', 'output_buffer_size'] as const) {
    if (!(k in out)) out[k] = defaults[k];
  }
  if (!('max_connection' in out)) out.max_connection = maxConnection;
  return out;
}

/**
 * The stateful edge of set(): merges a validated call into the current settings.
 * Returns false (and changes nothing) once the server runs (S42). Unknown keys are warned
 * about via process.emitWarning with code INVALID_OPTION.
 */
export function applySet(current: Record<string, unknown>, input: Record<string, unknown>, running: boolean, scope: 'server' | 'port' = 'server'): boolean {
  if (running) return false;
  const { values, unknown } = validateOptions(input, scope);
  for (const key of unknown) {
    process.emitWarning(`unsupported option [${key}]`, { code: String(ErrorCode.INVALID_OPTION), type: 'SwooleWarning' });
  }
  Object.assign(current, values);
  return true;
}

export { SWOOLE_BASE, SWOOLE_PROCESS };
