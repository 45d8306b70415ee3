/**
 * clause:server-tasks.task.idle — chooseTaskWorker (reference/server/dispatch.ts), the pure
 * choice behind task(dst = -1): an idle task worker with nothing queued first, else the shortest
 * queue, round-robin order breaking ties.
 */
import t from 'tap';
import fc from 'fast-check';
import { chooseTaskWorker, type TaskWorkerLoad } from '../../reference/server/dispatch.ts';

const runs = Number(process.env.FC_RUNS ?? 200);
const loads = fc.array(fc.record({ idle: fc.boolean(), queued: fc.integer({ min: -2, max: 20 }) }), { minLength: 1, maxLength: 12 });

t.test('property: the choice is a free worker when there is one, else one with the shortest queue', (t) => {
  fc.assert(
    fc.property(loads, fc.nat(1000), (ws, rr) => {
      const c = chooseTaskWorker(ws, rr);
      const q = (w: TaskWorkerLoad): number => Math.max(0, w.queued);
      const free = ws.some((w) => w.idle && q(w) === 0);
      const chosen = ws[c.index]!;
      if (c.next !== (c.index + 1) % ws.length) return false;
      if (free) return !c.noIdle && chosen.idle && q(chosen) === 0;
      return c.noIdle && q(chosen) === Math.min(...ws.map(q));
    }),
    { numRuns: runs },
  );
  t.end();
});

t.test('round-robin from the cursor among equals; every free worker gets a turn', (t) => {
  const ws = Array.from({ length: 4 }, () => ({ idle: true, queued: 0 }));
  const seen: number[] = [];
  let rr = 0;
  for (let i = 0; i < 8; i++) {
    const c = chooseTaskWorker(ws, rr);
    seen.push(c.index);
    rr = c.next;
  }
  t.same(seen, [0, 1, 2, 3, 0, 1, 2, 3]);
  t.equal(chooseTaskWorker([{ idle: false, queued: 3 }, { idle: false, queued: 1 }, { idle: true, queued: 2 }], 0).index, 1, 'all busy: the shortest queue, idle or not');
  t.throws(() => chooseTaskWorker([], 0), RangeError);
  t.end();
});
