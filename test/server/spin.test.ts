/** The busy-poll policy (reference/server/spin.ts): spin while it pays, back off after misses. */
import t from 'tap';
import fc from 'fast-check';
import { SpinGovernor } from '../../reference/server/spin.ts';

t.test('hits keep spinning; a miss skips 2, then 4, 8 … up to maxSkip; a hit resets', (t) => {
  const g = new SpinGovernor(16);
  for (let i = 0; i < 5; i++) {
    t.ok(g.shouldSpin(), 'hit streak: every opportunity spins');
    g.result(true);
  }
  const skipsAfter = (misses: number): number => {
    for (let i = 0; i < misses; i++) {
      while (!g.shouldSpin());
      g.result(false);
    }
    return g.skipping;
  };
  t.equal(skipsAfter(1), 2);
  t.equal(skipsAfter(1), 4);
  t.equal(skipsAfter(1), 8);
  t.equal(skipsAfter(1), 16);
  t.equal(skipsAfter(3), 16, 'capped at maxSkip');
  while (!g.shouldSpin());
  g.result(true);
  t.equal(g.skipping, 0, 'a hit: no skipping');
  g.result(false);
  t.equal(g.skipping, 2, 'and the next miss starts over at 2');
  t.end();
});

t.test('property: right after a hit the next opportunity spins; right after a miss it does not', (t) => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { maxLength: 300 }), fc.integer({ min: 2, max: 64 }), (outcomes, maxSkip) => {
      const g = new SpinGovernor(maxSkip);
      for (const hit of outcomes) {
        while (!g.shouldSpin());
        g.result(hit);
        if (hit && g.skipping !== 0) return false;
        if (!hit && (g.skipping < 2 || g.skipping > maxSkip)) return false;
      }
      return true;
    }),
  );
  t.end();
});
