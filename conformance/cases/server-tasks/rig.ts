import { SWOOLE_BASE } from '../../../reference/constants.ts';
import { hexBytes, isBytesSummary } from '../../protocol/bytes.ts';
import type { Action, ActionResult, BytesSpec, ServerScenario } from '../../protocol/messages.ts';
import { AssertionFailure, WaitTimeout } from '../../runner/errors.ts';
import type { Harness, ObservedEvent } from '../../runner/harness.ts';
import type { RawClient } from '../../runner/raw-client.ts';
import { startServer } from '../finish.ts';
import { lengthFrame, multiServer } from '../scenarios.ts';

/**
 * Shared pieces of the server-tasks cases: a length-framed TCP server with task workers, a
 * driver that runs action lists in event worker 0 (one client frame → one onReceive), payload
 * tags and the normalisation that lets one case compare PHP and TypeScript results.
 */

/** A multi-worker server (BASE unless `mode`), one event worker and `tasks` task workers by default. */
export function taskServer(set: Record<string, unknown>, events: string[], o: { mode?: number; extra?: Partial<ServerScenario> } = {}): ServerScenario {
  return { ...multiServer(o.mode ?? SWOOLE_BASE, { worker_num: 1, task_worker_num: 1, ...set }, events), ...o.extra };
}

/** A short payload the runner can recognise in a byte summary (its head is the whole string). */
export function tag(s: string): BytesSpec {
  if (Buffer.byteLength(s) > 32) throw new Error(`tag too long: ${s}`);
  return hexBytes(s);
}

/** The text of a short payload (a summary whose head is all of it, or a plain string), else null. */
export function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isBytesSummary(v) && v.$bytes.len <= 32) return Buffer.from(v.$bytes.head, 'hex').toString();
  return null;
}

/**
 * Structured values as both adapters report them: PHP reports every string it returns as a byte
 * summary, TypeScript only Buffers, so short summaries become their text.
 */
export function norm(v: unknown): unknown {
  const t = isBytesSummary(v) ? textOf(v) : null;
  if (t !== null) return t;
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === 'object' && !isBytesSummary(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

/** A result keyed by position whichever shape it came in (PHP lists out of order become maps). */
export function byPosition(v: unknown): Record<string, unknown> | unknown {
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), norm(x)]));
  if (v && typeof v === 'object' && !isBytesSummary(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]).sort(([a], [b]) => Number(a) - Number(b)));
  return v;
}

/** A promise the case opens later: lets a handler hold a callback (a busy onTask) without sleeping. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** Event data text (for handlers keyed by payload tag). */
export function dataText(e: ObservedEvent): string | null {
  return textOf(e.args.data);
}

/**
 * Runs action lists in the event worker that owns one client connection (with worker_num 1:
 * worker 0): each `run()` sends one frame, and the onReceive it causes performs the actions.
 */
export class Driver {
  readonly #queue: Action[][] = [];
  #n = 0;
  private constructor(
    readonly h: Harness,
    readonly client: RawClient,
  ) {}

  /**
   * Starts the server (waiting for `workers` WorkerStart events) and connects the driver: the
   * case's only client, so every onReceive is the driver's (no onConnect needed).
   */
  static async start(h: Harness, workers: number): Promise<Driver> {
    const [port] = await startServer(h, workers);
    const client = await h.connect({ host: '127.0.0.1', port: port!.port });
    const d = new Driver(h, client);
    h.onEvent('Receive', undefined, () => d.#queue.shift() ?? []);
    return d;
  }

  /** Performs `actions` in the driver's worker; resolves with their results and the event. */
  async run(actions: Action[]): Promise<{ results: ActionResult[]; event: ObservedEvent; ms: number }> {
    this.#queue.push(actions);
    const t0 = Date.now();
    await this.client.write(lengthFrame(`step-${++this.#n}`));
    const event = await this.h.waitEvent('Receive');
    const results = await doneWithin(this.h, event, 15000);
    return { results, event, ms: Date.now() - t0 };
  }

  /** Like run() for one action; a `threw` result is a failure (the call itself must work). */
  async call(method: string, ...args: unknown[]): Promise<ActionResult> {
    const { results } = await this.run([{ call: method, args }]);
    const r = results[0]!;
    if (r.threw) throw new AssertionFailure(`${method}() does not throw`, 'a result', r.threw);
    return r;
  }
}

/** An event's action results, or a conformance failure if its callback never returns. */
export async function doneWithin(h: Harness, e: ObservedEvent, baseMs: number): Promise<ActionResult[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(`${e.name} in ${e.role} ${e.worker_id ?? ''} did not return within ${h.ms(baseMs)} ms (its actions hang)`)), h.ms(baseMs));
  });
  try {
    return await Promise.race([e.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The result of a call, failing the case when it threw (so expectations compare values). */
export function ok(r: ActionResult | undefined, what: string): ActionResult {
  if (!r) throw new AssertionFailure(`${what}: a result`, 'a result', 'none');
  if (r.threw) throw new AssertionFailure(`${what} does not throw`, 'a result', r.threw);
  return r;
}
