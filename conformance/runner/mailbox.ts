import type { Action } from '../protocol/messages.ts';

/**
 * Lets a case steer a worker that is blocked inside a callback: the event handler awaits
 * `take()`, and the case hands it the next actions with `put()` when it is ready. This is how
 * a case issues a sequence of sends from inside workers without sleeping.
 */
export class Mailbox {
  readonly #queue: Action[][] = [];
  readonly #takers: ((a: Action[]) => void)[] = [];

  put(actions: Action[]): void {
    const t = this.#takers.shift();
    if (t) t(actions);
    else this.#queue.push(actions);
  }

  take = (): Promise<Action[]> => {
    const q = this.#queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((r) => this.#takers.push(r));
  };

  /** Releases every blocked callback with no actions (used before shutdown). */
  drain(): void {
    for (const t of this.#takers.splice(0)) t([]);
  }
}
