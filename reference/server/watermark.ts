/**
 * onBufferFull / onBufferEmpty for one connection, as a pure state machine over the number of
 * unsent bytes the server holds for it (what send() queued and the kernel has not taken yet).
 * Swoole (reactor send path and writable handler): after send() queues data, bufferFull fires
 * once when the queue reaches the port's buffer_high_watermark (default socket_buffer_size ×
 * 0.8); bufferEmpty fires once the queue has drained to buffer_low_watermark (default 0) after
 * that. A send refused for overflow (1009) also arms bufferEmpty when only onBufferEmpty is set.
 */

export interface WaterMarks {
  high: number;
  low: number;
}

/** The port's marks: buffer_high_watermark (0 = 80 % of socket_buffer_size) and buffer_low_watermark. */
export function waterMarks(portSetting: Record<string, unknown>, socketBufferSize: number): WaterMarks {
  const high = Number(portSetting.buffer_high_watermark ?? 0);
  const low = Number(portSetting.buffer_low_watermark ?? 0);
  return { high: high > 0 ? high : Math.floor(socketBufferSize * 0.8), low: Math.max(0, low) };
}

export type WaterEvent = 'bufferfull' | 'bufferempty' | null;

export class WaterLevel {
  readonly #marks: WaterMarks;
  readonly #hasFull: boolean;
  readonly #hasEmpty: boolean;
  /** Above the high mark and not yet drained (Swoole's conn->high_watermark). */
  #high = false;

  constructor(marks: WaterMarks, hasFull: boolean, hasEmpty: boolean) {
    this.#marks = marks;
    this.#hasFull = hasFull;
    this.#hasEmpty = hasEmpty;
  }

  get high(): boolean {
    return this.#high;
  }

  /** After send() queued data: 'bufferfull' when the queue crossed the high mark. */
  queued(unsent: number): WaterEvent {
    if (!this.#hasFull || this.#high || unsent < this.#marks.high) return null;
    this.#high = true;
    return 'bufferfull';
  }

  /** A send refused because the queue is at socket_buffer_size (1009). */
  overflowed(): void {
    if (this.#hasEmpty && !this.#hasFull) this.#high = true;
  }

  /**
   * After the socket took some of the queue: 'bufferempty' once it is down to the low mark.
   * The level resets even without onBufferEmpty, so bufferFull can fire again (Swoole keeps
   * the flag set for good then, and fires bufferFull once per connection: not mirrored).
   */
  drained(unsent: number): WaterEvent {
    if (!this.#high || unsent > this.#marks.low) return null;
    this.#high = false;
    return this.#hasEmpty ? 'bufferempty' : null;
  }
}
