import { isBytesSpec, materialize, summarize } from '../../protocol/bytes.ts';
import type { Action, ActionResult, CallbackRef } from '../../protocol/messages.ts';

/** What the adapter needs from the implementation to perform actions. */
export interface Target {
  object: Record<string, unknown>;
  lastError(): number;
  /** Makes the callable for a `{"$callback": …}` argument (adapters that support them). */
  callback?(spec: CallbackRef['$callback']): (...args: unknown[]) => unknown;
  /** Delegates a pseudo-event from outside any callback (handle_signal with notify). */
  notify?(name: string, args: Record<string, unknown>): Promise<unknown>;
}

/** Turns a return value into JSON the runner can compare (Buffers become byte summaries). */
export function toWire(v: unknown): unknown {
  if (v === undefined) return null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return summarize(Buffer.from(v));
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'function') return '[function]';
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto !== Object.prototype && proto !== null) return { $object: (v.constructor as { name?: string })?.name ?? 'object' };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  }
  return v;
}

/** How a thrown error is reported (ActionResult.threw): numeric code or null, message, class. */
export function threwOf(e: unknown): NonNullable<ActionResult['threw']> {
  const err = e as { code?: unknown; message?: string; name?: string };
  return { code: typeof err.code === 'number' ? err.code : null, message: String(err?.message ?? e), class: err?.name ?? 'Error' };
}

function isArgRef(v: unknown): v is { $arg: string } {
  return typeof v === 'object' && v !== null && typeof (v as { $arg?: unknown }).$arg === 'string';
}

function isCallbackRef(v: unknown): v is CallbackRef {
  const c = typeof v === 'object' && v !== null ? (v as { $callback?: { name?: unknown } }).$callback : undefined;
  return typeof c === 'object' && c !== null && typeof c.name === 'string';
}

/**
 * Runner JSON → call arguments: byte specs become Buffers, `$arg` refs the callback's own args,
 * `$callback` refs callables that delegate (when the target makes them).
 */
function fromWire(v: unknown, cbArgs: Record<string, unknown>, t?: Target): unknown {
  if (isBytesSpec(v)) return materialize(v);
  if (isArgRef(v)) {
    if (!(v.$arg in cbArgs)) throw new Error(`callback has no argument ${v.$arg}`);
    return cbArgs[v.$arg];
  }
  if (isCallbackRef(v)) {
    if (!t?.callback) throw new Error('this adapter makes no callables for $callback here');
    return t.callback(v.$callback);
  }
  if (Array.isArray(v)) return v.map((x) => fromWire(x, cbArgs, t));
  return v;
}

/** The classes a `construct` action may make (the implementation's, set once by the adapter's entry). */
let classes: Record<string, (new (...args: never[]) => unknown) | undefined> = {};
export function setConstructors(c: typeof classes): void {
  classes = c;
}

const sab = new Int32Array(new SharedArrayBuffer(4));
/** A blocking sleep: a busy/slow handler, like usleep() in a sync PHP worker. */
function blockFor(ms: number): void {
  Atomics.wait(sab, 0, 0, ms);
}

export interface Performed {
  results: ActionResult[];
  returnValue: unknown;
  /** Set by a `throw` action: rethrown from the callback after done is sent. */
  toThrow?: Error;
  /** Set by an `exit` action: exit after done is sent. */
  exitCode?: number;
}

/**
 * Performs the actions in order; reports one result each; judges nothing. `cbArgs` are the
 * current callback's raw arguments by name, for `$arg` references.
 */
export async function perform(actions: Action[], t: Target, cbArgs: Record<string, unknown> = {}): Promise<Performed> {
  const out: Performed = { results: [], returnValue: undefined };
  for (const a of actions) {
    if ('call' in a) {
      try {
        const fn = t.object[a.call];
        if (typeof fn !== 'function') throw new Error(`no method ${a.call}`);
        let ret = await (fn as (...x: unknown[]) => unknown).apply(t.object, (a.args ?? []).map((x) => fromWire(x, cbArgs, t)));
        if (a.then !== undefined) {
          // A call on what the first call returned (e.g. getProcess(0) then write("x")).
          const obj = ret as Record<string, unknown> | null;
          const next = obj && typeof obj === 'object' ? obj[a.then.call] : undefined;
          if (typeof next !== 'function') throw new Error(`the result has no method ${a.then.call}`);
          ret = await (next as (...x: unknown[]) => unknown).apply(obj, (a.then.args ?? []).map((x) => fromWire(x, cbArgs, t)));
        }
        if (a.prop !== undefined && ret && typeof ret === 'object') ret = (ret as Record<string, unknown>)[a.prop];
        out.results.push({ ret: toWire(ret), last_error: t.lastError() });
      } catch (e) {
        out.results.push({ ret: null, last_error: t.lastError(), threw: threwOf(e) });
      }
    } else if ('construct' in a) {
      // Makes another instance and drops it: true, or what the constructor threw (S1, P6).
      try {
        const C = classes[a.construct.class];
        if (typeof C !== 'function') throw new Error(`this adapter cannot construct ${a.construct.class}`);
        new (C as new (...x: unknown[]) => unknown)(...(a.construct.args ?? []).map((x) => fromWire(x, cbArgs, t)));
        out.results.push({ ret: true, last_error: t.lastError() });
      } catch (e) {
        out.results.push({ ret: null, last_error: t.lastError(), threw: threwOf(e) });
      }
    } else if ('report' in a) {
      out.results.push({ ret: Object.fromEntries(a.report.map((k) => [k, toWire(t.object[k])])) });
    } else if ('sleep_ms' in a) {
      blockFor(a.sleep_ms);
      out.results.push({ ret: null });
    } else if ('return' in a) {
      out.returnValue = fromWire(a.return, cbArgs);
      out.results.push({ ret: null });
    } else if ('ignore_signal' in a) {
      process.on(a.ignore_signal as NodeJS.Signals, () => {});
      out.results.push({ ret: true });
    } else if ('handle_signal' in a) {
      const { signal, then, after_ms, notify } = a.handle_signal;
      process.on(signal as NodeJS.Signals, () => {
        // notify: the runner hears of the signal (pseudo-event Signal) before the handler acts.
        const told = notify && t.notify ? t.notify('Signal', { signal }) : Promise.resolve();
        void told.then(() => {
          if (then === 'exit') setTimeout(() => process.exit(0), after_ms ?? 0);
        });
      });
      out.results.push({ ret: true });
    } else if ('exit' in a) {
      out.exitCode = a.exit;
      out.results.push({ ret: null });
      break;
    } else if ('throw' in a) {
      out.toThrow = new Error(a.throw);
      out.results.push({ ret: null });
      break;
    }
  }
  return out;
}
