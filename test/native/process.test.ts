import t from 'tap';
import { spawn } from 'node:child_process';
import { native, errnoShape, isTypeError, spawnFixture, exitOf, lines, nextLine } from './_helpers.ts';

t.test('getppid matches process.ppid', async (t) => {
  t.equal(native.getppid(), process.ppid);
});

t.test('setParentDeathSignal: returns the parent pid; argument checks', async (t) => {
  t.equal(native.setParentDeathSignal(0), process.ppid, '0 clears it');
  t.throws(() => native.setParentDeathSignal(-1), isTypeError);
  t.throws(() => native.setParentDeathSignal(65), isTypeError);
  t.throws(() => native.setParentDeathSignal('SIGTERM' as never), isTypeError);
});

t.test('pdeathsig: the middle process is SIGKILLed, the grandchild dies of the signal', async (t) => {
  // The middle spawns the grandchild, which sets SIGTERM as its parent-death signal and reports
  // its pid and the ppid prctl saw (the handshake). Then we SIGKILL the middle.
  const middle = spawnFixture('pdeath-middle', []);
  t.teardown(() => { if (middle.exitCode === null && middle.signalCode === null) middle.kill('SIGKILL'); });
  const it = lines(middle);
  const [word, gpid, seenPpid] = (await nextLine(it)).split(' ');
  t.equal(word, 'grandchild');
  t.equal(Number(seenPpid), middle.pid, 'prctl reported the middle as parent');
  const grandchild = Number(gpid);
  // The orphaned grandchild is reparented to init, which reaps it; watch /proc until it is gone.
  middle.kill('SIGKILL');
  t.same(await exitOf(middle), { code: null, signal: 'SIGKILL' });
  // Bounded: if the death signal never comes, fail (and clean up) instead of hanging.
  const gone = await Promise.race([waitGone(grandchild).then(() => true), new Promise<false>((r) => setTimeout(r, 10_000, false).unref())]);
  if (!gone) process.kill(grandchild, 'SIGKILL');
  t.ok(gone, 'grandchild died with its parent');
});

/** Resolves once `pid` no longer exists (or is a zombie awaiting a reaper that is not us). */
async function waitGone(pid: number): Promise<void> {
  const { readFileSync } = await import('node:fs');
  for (;;) {
    let state: string | undefined;
    try {
      state = /^State:\s*(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') return;
    await new Promise((r) => setImmediate(r));
  }
}

t.test('waitpid: ECHILD shape for a pid that is not our child; argument checks', async (t) => {
  t.throws(() => native.waitpid(process.pid), errnoShape('ECHILD', 'waitpid'));
  t.throws(() => native.waitpid(1.5), isTypeError);
  t.throws(() => native.waitpid('1' as never), isTypeError);
});

t.test('waitpid: reaps a child whose exit Node has not reaped yet', async (t) => {
  // Node reaps its children from its SIGCHLD handler on the loop; this synchronous loop runs
  // before that handler can, so the exit status is ours to collect. Afterwards Node's own
  // waitpid gets ECHILD and never emits 'exit' for it, so the child is spawned detached from
  // any assertion on the ChildProcess object.
  const child = spawn('/bin/sh', ['-c', 'exit 7'], { stdio: 'ignore' });
  const pid = child.pid!;
  child.unref();
  let r = native.waitpid(pid);
  while (r === null) r = native.waitpid(pid);
  t.same(r, { pid, code: 7, signal: null });
  const k = spawn('/bin/sh', ['-c', 'kill -9 $$'], { stdio: 'ignore' });
  k.unref();
  let s = native.waitpid(k.pid!);
  while (s === null) s = native.waitpid(k.pid!);
  t.same(s, { pid: k.pid, code: null, signal: 9 });
});

t.test('close: EBADF on a closed fd, TypeError on a bad number', async (t) => {
  const [a, b] = native.socketpair('dgram');
  native.close(a);
  native.close(b);
  t.throws(() => native.close(a), errnoShape('EBADF', 'close'));
  t.throws(() => native.close(-1), isTypeError);
});
