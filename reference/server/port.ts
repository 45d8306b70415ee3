/**
 * A listening port (Swoole\Server\Port): its own protocol settings and callbacks. A port
 * without its own set() uses the main server's protocol settings (observed h10).
 */
import { applySet } from './options.ts';
import { normalizeEvent, PORT_EVENTS } from './events.ts';

export type Callback = (...args: never[]) => unknown;

export class Port {
  readonly host: string;
  /** Kernel-assigned when 0 was asked for, known before start (observed h10). */
  port: number;
  readonly type: number;
  /** The port's own settings, or null when set() was never called on it. */
  setting: Record<string, unknown> | null = null;
  readonly callbacks = new Map<string, Callback>();
  /** Listening fd from the native addon (TCP), or -1 until start (unix stream). */
  fd: number;
  #isRunning: () => boolean;

  constructor(host: string, port: number, type: number, fd: number, isRunning: () => boolean) {
    this.host = host;
    this.port = port;
    this.type = type;
    this.fd = fd;
    this.#isRunning = isRunning;
  }

  /** Port-scope options only; server-only keys are warned about as unknown. */
  set(options: Record<string, unknown>): boolean {
    const next = { ...(this.setting ?? {}) };
    if (!applySet(next, options, this.#isRunning(), 'port')) return false;
    this.setting = next;
    return true;
  }

  on(event: string, fn: Callback): boolean {
    const name = normalizeEvent(event, PORT_EVENTS);
    if (name === null || this.#isRunning() || typeof fn !== 'function') return false;
    this.callbacks.set(name, fn);
    return true;
  }

  getCallback(event: string): Callback | null {
    return this.callbacks.get(String(event).toLowerCase()) ?? null;
  }
}
