/** native execve: replaces the image with default signal state and blocking stdio; failures throw and change nothing. */
import t from 'tap';
import { native, isTypeError, spawnFixture, exitOf, lines, nextLine } from './_helpers.ts';

t.test('execve replaces the process: argv, env, no ignored or blocked signals, blocking stdout', async (t) => {
  const child = spawnFixture('exec-child', ['ok']);
  const it = lines(child);
  const before = parseInt((await nextLine(it)).split(' ')[1]!, 8);
  t.equal(before & 0o4000, 0o4000, 'stdout was non-blocking before exec');
  t.equal(await nextLine(it), 'argv0=sh foo=bar');
  t.match(await nextLine(it), /^SigBlk:\s+0+$/, 'empty signal mask');
  t.match(await nextLine(it), /^SigIgn:\s+0+$/, 'SIGPIPE (ignored by Node) is back to default');
  const flags = parseInt((await nextLine(it)).split(/\s+/)[1]!, 8);
  t.equal(flags & 0o4000, 0, 'stdout is blocking (O_NONBLOCK cleared)');
  t.same(await exitOf(child), { code: 0, signal: null });
});

t.test('execve of a missing file throws ENOENT and the process carries on', async (t) => {
  const child = spawnFixture('exec-child', ['missing']);
  t.equal(await nextLine(lines(child)), 'caught ENOENT execve');
  t.same(await exitOf(child), { code: 0, signal: null });
});

t.test('execve argument checks', async (t) => {
  t.throws(() => native.execve('', ['x'], []), isTypeError);
  t.throws(() => native.execve('/bin/true', 'x' as never, []), isTypeError);
  t.throws(() => native.execve('/bin/true', [], []), isTypeError);
  t.throws(() => native.execve('/bin/true', ['x', 1 as never], []), isTypeError);
  t.throws(() => native.execve('/bin/true', ['x'], ['A=\0']), isTypeError);
});
