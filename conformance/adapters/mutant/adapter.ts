/**
 * A deliberately wrong implementation for the suite's self-test: the reference adapter with one
 * corruption chosen by SWC_MUTANT. The suite must fail on the cases each mutation affects.
 */
import { runAdapter } from '../reference/main.ts';
import { REFERENCE_POOL_FEATURES } from '../reference/pool-adapter.ts';
import { REFERENCE_SERVER_FEATURES } from '../reference/server-adapter.ts';
import { MUTATIONS } from './mutations.ts';

const which = process.env.SWC_MUTANT ?? 'truncate-off-by-one';
const mutation = MUTATIONS[which];
if (!mutation) {
  process.stderr.write(`unknown SWC_MUTANT ${which}; known: ${Object.keys(MUTATIONS).join(', ')}\n`);
  process.exit(64);
}
await runAdapter({ name: `mutant-${which}`, version: '0', features: REFERENCE_POOL_FEATURES, mutation }, REFERENCE_SERVER_FEATURES);
