import fc from 'fast-check';

/**
 * Shared fast-check parameters: FC_SEED replays a run, FC_RUNS scales it. fast-check's failure
 * report already carries the seed, the path and the shrunk counterexample; we add how to
 * replay it with this suite.
 */
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const numRuns = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 150;
if (seed !== undefined) console.log(`# fast-check FC_SEED=${seed} FC_RUNS=${numRuns}`);

export function assertProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, runs = numRuns): void {
  try {
    fc.assert(property, { numRuns: runs, ...(seed !== undefined ? { seed } : {}), verbose: 1 });
  } catch (err) {
    if (err instanceof Error) err.message += '\n(replay: FC_SEED=<seed above> npx tap <this file>)';
    throw err;
  }
}

/** Splits `data` at the given cut points (any positions, deduplicated, sorted). */
export function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(data.subarray(last, p));
    last = p;
  }
  out.push(data.subarray(last));
  return out;
}

export const cutsArb = fc.array(fc.nat({ max: 1 << 20 }), { maxLength: 12 });
