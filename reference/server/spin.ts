/**
 * When to busy-poll (mailbox.ts spin): a pure policy. A spin that ends with what it waited for
 * (a hit) keeps spinning on; a miss skips the next 2 opportunities, consecutive misses 4, 8, …
 * up to `maxSkip`. So a chain of fast round trips on a machine with a free core spins every time
 * and skips the wake-ups, while slow tasks, sparse traffic or a busy machine (where spinning
 * only steals the CPU the peer needs) quickly stop paying for it.
 */
export class SpinGovernor {
  readonly maxSkip: number;
  #skip = 0;
  #misses = 0;

  constructor(maxSkip = 1024) {
    this.maxSkip = maxSkip;
  }

  /** Whether this opportunity should spin (each call uses up one skipped opportunity). */
  shouldSpin(): boolean {
    if (this.#skip > 0) {
      this.#skip--;
      return false;
    }
    return true;
  }

  /** The outcome of a spin this governor allowed. */
  result(hit: boolean): void {
    if (hit) {
      this.#misses = 0;
      return;
    }
    this.#misses = Math.min(this.#misses + 1, 30);
    this.#skip = Math.min(this.maxSkip, 2 ** this.#misses);
  }

  /** Opportunities left to skip (for tests). */
  get skipping(): number {
    return this.#skip;
  }
}
