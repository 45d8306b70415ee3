import type { ConformanceCase } from '../../case.ts';
import { defineCase } from '../../case.ts';
import { constructError, misusePool } from './construct.ts';

// One behaviour, two inputs: zero and negative.
const cases: ConformanceCase[] = [0, -1].map((n) =>
  defineCase({
    id: `pool.api.worker-num-${n < 0 ? 'negative' : 'zero'}`,
    title: `new Pool(${n}) throws`,
    clauses: ['pool.api.worker-num', 'pool.api.misuse'],
    features: ['pool'],
    scenario: misusePool({ worker_num: n }),
    async run(h) {
      const { threw } = await constructError(h);
      h.expectTrue('the message names worker_num', /worker_num/.test(threw.message), threw);
    },
  }),
);
export default cases;
