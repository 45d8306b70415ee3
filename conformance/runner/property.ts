import fc from 'fast-check';
import type { Harness } from './harness.ts';
import { AssertionFailure } from './errors.ts';

/**
 * Runs a fast-check property over real I/O. On failure the case fails with the shrunk
 * counterexample and the seed, so `--seed <n>` replays it exactly. Runs: --runs, else FC_RUNS,
 * else the case's default.
 */
export async function checkProperty<T>(h: Harness, label: string, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>, defaultRuns = 20, o: { timeLimitMs?: number } = {}): Promise<void> {
  const details = await fc.check(
    fc.asyncProperty(arb, async (v) => {
      await predicate(v);
    }),
    { seed: h.seed, numRuns: h.runs ?? (Number(process.env.FC_RUNS) || defaultRuns), endOnFailure: false, interruptAfterTimeLimit: h.ms(o.timeLimitMs ?? 20000) },
  );
  if (details.failed) {
    const inner = details.errorInstance;
    const ce = details.counterexample?.[0];
    throw new AssertionFailure(
      `${label}: property failed after ${details.numRuns} runs (seed ${details.seed}, shrunk ${details.numShrinks} times): ${inner instanceof Error ? inner.message : String(inner)}`,
      inner instanceof AssertionFailure ? inner.expected : undefined,
      inner instanceof AssertionFailure ? inner.observed : undefined,
      { seed: details.seed, counterexample: ce },
    );
  }
}
