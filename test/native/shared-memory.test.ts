/** Shared memory for cross-process counters (clause server.multi.stats relies on it). */
import t from 'tap';
import { once } from 'node:events';
import { native, openFds, isTypeError, spawnFixture, exitOf } from './_helpers.ts';

t.test('clause:server.multi.stats a memfd mapped by two processes: plain stores are visible, atomicAdd never loses an update', async (t) => {
  const before = openFds();
  const fd = native.createSharedMemory(4096);
  const ab = native.mapSharedMemory(fd, 4096);
  const again = new Float64Array(native.mapSharedMemory(fd, 4096));
  new Float64Array(ab)[2] = 42.5;
  t.equal(again[2], 42.5, 'two mappings of one memfd share bytes');
  const child = spawnFixture('shm-adder', ['50000'], [fd]);
  for (let i = 0; i < 50000; i++) native.atomicAdd(ab, 0, 1);
  await once(child, 'exit');
  t.equal(Number(new BigInt64Array(ab)[0]), 100000, 'both processes raced on word 0; no update lost');
  t.equal(new Float64Array(ab)[1], child.pid, "the child's plain store is visible here");
  t.equal(native.atomicAdd(ab, 0, -5), 100000, 'atomicAdd returns the previous value');
  t.throws(() => native.atomicAdd(ab, 512, 1), isTypeError, 'index past the end');
  t.throws(() => native.mapSharedMemory(fd, 0), isTypeError);
  t.throws(() => native.createSharedMemory(-1), isTypeError);
  native.close(fd);
  t.equal(openFds(), before, 'no fd leaked (the mapping does not hold one)');
});

t.test('clause:pool.workers.standby-handoff atomicCompareExchange: one winner per value, across processes', async (t) => {
  const fd = native.createSharedMemory(4096);
  const ab = native.mapSharedMemory(fd, 4096);
  t.equal(native.atomicCompareExchange(ab, 3, 0, 77), 0, 'swapped: returns the expected value');
  t.equal(native.atomicCompareExchange(ab, 3, 0, 99), 77, 'not swapped: returns what it saw');
  t.equal(Number(new BigInt64Array(ab)[3]), 77, 'the failed swap stored nothing');
  // Increments built from CAS alone: a non-atomic swap would let both processes win one value.
  const child = spawnFixture('shm-cas', ['50000'], [fd]);
  for (let i = 0; i < 50000; i++) {
    let seen = native.atomicCompareExchange(ab, 0, 0, 0);
    for (;;) {
      const was = native.atomicCompareExchange(ab, 0, seen, seen + 1);
      if (was === seen) break;
      seen = was;
    }
  }
  t.same(await exitOf(child), { code: 0, signal: null });
  t.equal(Number(new BigInt64Array(ab)[0]), 100000, 'every value was won exactly once');
  t.throws(() => native.atomicCompareExchange(ab, 512, 0, 1), isTypeError, 'index past the end');
  native.close(fd);
});
