/**
 * Swoole\Process misuse and the calls that need no child, in this process. Nothing here calls
 * start(): a child would re-run this test file.
 */
import t from 'tap';
import { Process, SOCK_DGRAM, SOCK_STREAM, SWOOLE_MSGQUEUE_ORIENT, SwooleError, swooleLastError } from '../../reference/index.ts';
import { clearLastError } from '../../reference/last-error.ts';
import { loadNative } from '../../reference/native/loader.ts';
import { queueIds } from './harness.ts';
import { openFds } from '../fds.ts';

const native = loadNative();
const noop = (): void => {};
// Warnings are part of the false+last-error channel; keep them off the test output.
process.removeAllListeners('warning');
process.on('warning', () => {});

/** Runs fn and returns [its result, the last error it set]. */
function withError<T>(fn: () => T): [T, number] {
  clearLastError();
  const r = fn();
  return [r, swooleLastError()];
}

t.test('clause:process.pipe.invalid-type bad pipe types throw a typed error; bad arguments TypeError', async (t) => {
  for (const bad of [3, -1, 99]) {
    let err: unknown;
    try {
      new Process(noop, false, bad);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof SwooleError && err.code === 505, `pipe_type ${bad}: SwooleError 505`);
  }
  t.throws(() => new Process('x' as never), TypeError);
  t.throws(() => new Process(noop, 1 as never), TypeError);
  t.throws(() => new Process(noop, false, 1.5), TypeError);
});

t.test('clause:process.pipe.no-pipe clause:process.socket.export pipe_type 0: every pipe call is false with 507', async (t) => {
  const p = new Process(noop, false, 0);
  t.equal(p.pipe, null);
  t.same(withError(() => p.write('x')), [false, 507]);
  t.same(withError(() => p.read()), [false, 507]);
  t.same(withError(() => p.exportSocket()), [false, 507]);
  t.same(withError(() => p.close()), [false, 507]);
});

t.test('clause:process.pipe.write-empty clause:process.pipe.after-close clause:process.pipe.read-size empty write, read size, write after close, no fd leak', async (t) => {
  const before = openFds();
  for (const type of [SOCK_DGRAM, SOCK_STREAM]) {
    const p = new Process(noop, false, type);
    t.type(p.pipe, 'number');
    t.equal(openFds(), before + 2, 'both ends of the socketpair until start()');
    t.same(withError(() => p.write('')), [false, 505]);
    t.same(withError(() => p.write(Buffer.alloc(0))), [false, 505]);
    t.same(withError(() => p.read(0)), [false, 505]);
    t.throws(() => p.read(1.5 as never), TypeError);
    t.throws(() => p.write(42 as never), TypeError);
    t.equal(p.close(), true);
    t.equal(p.pipe, null);
    t.same(withError(() => p.write('after')), [false, 507], 'write after close');
    t.same(withError(() => p.read()), [false, 507], 'read after close');
    t.same(withError(() => p.close()), [false, 507], 'close twice');
    t.equal(openFds(), before, 'both fds released');
  }
});

t.test('clause:process.handle.existing clause:process.pipe.dgram-boundaries clause:process.pipe.read-size a handle over a socketpair: sync and exported I/O', async (t) => {
  const before = openFds();
  const [a, b] = native.socketpair('dgram');
  const ha = Process.fromHandle({ id: 0, pid: process.pid, pipe: a, ownsPipe: true });
  const hb = Process.fromHandle({ id: 1, pid: process.pid, pipe: b, pipeType: SOCK_DGRAM, ownsPipe: true });
  t.equal(ha.write('one'), 3);
  t.equal(ha.write('x'.repeat(70000)), 70000);
  t.equal(hb.read().toString(), 'one');
  t.equal((hb.read(100000) as Buffer).length, 65536, 'read size is capped at 65536');
  const sa = ha.exportSocket();
  const sb = hb.exportSocket();
  if (!sa || !sb) throw new Error('no socket');
  t.equal(await sa.send('async'), 5);
  t.equal((await sb.recv())!.toString(), 'async');
  t.equal(await sa.send(''), 0, 'an empty datagram is a message');
  t.equal((await sb.recv() as Buffer).length, 0);
  t.equal(sa.close(), true);
  t.equal(sa.close(), false, 'closing twice');
  t.equal(await sa.send('x'), false);
  t.equal(sa.errCode, 9, 'EBADF after close');
  t.equal(ha.write('still'), 5, 'the pipe outlives its exported socket (a dup)');
  t.equal(hb.read().toString(), 'still');
  sb.close();
  const [r, err] = withError(() => ha.start());
  t.same([r, err], [false, 509], 'a handle cannot be started');
  ha.close();
  hb.close();
  t.equal(openFds(), before, 'no fd leaked');
  t.throws(() => Process.fromHandle({ id: -1, pid: 1 }), TypeError);
  t.throws(() => Process.fromHandle({ id: 0, pid: 1, pipe: 3, pipeType: 'seq' as never }), TypeError);
});

t.test('clause:process.queue.push-rules clause:process.queue.private clause:process.queue.shared push/pop rules on a private queue', async (t) => {
  const p = new Process(noop, false, 0);
  t.same(withError(() => p.push('x')), [false, 507], 'push without a queue');
  t.same(withError(() => p.pop()), [false, 507], 'pop without a queue');
  t.same(withError(() => p.statQueue()), [false, 507]);
  t.equal(p.freeQueue(), false);
  t.equal(p.useQueue(0, 2 | Process.IPC_NOWAIT), true);
  const id = p.msgQueueId!;
  t.ok(queueIds().includes(id), 'the queue exists');
  t.equal(native.msgStat(id).mode & 0o777, 0o600);
  t.same(withError(() => p.push('')), [false, 505], 'empty');
  t.same(withError(() => p.push(Buffer.alloc(65536))), [false, 1203], '65536 bytes');
  const { msgmax } = native.msgLimits();
  if (msgmax < 65535) t.same(withError(() => p.push(Buffer.alloc(msgmax + 1))), [false, 502], `above the kernel msgmax (${msgmax})`);
  t.same(withError(() => p.pop()), [false, 0], 'IPC_NOWAIT: empty queue, false at once');
  t.equal(p.push('first'), true);
  t.equal(p.push('second'), true);
  t.same(p.statQueue(), { queue_num: 2, queue_bytes: 11 });
  t.same(withError(() => p.pop(3)), [false, 502], 'a message longer than size: false (E2BIG)');
  t.equal(p.statQueue() && (p.statQueue() as { queue_num: number }).queue_num, 2, 'and it stays queued');
  t.equal(p.pop()!.toString(), 'first', 'FIFO');
  t.equal(p.pop()!.toString(), 'second');
  t.equal(p.freeQueue(), true);
  t.notOk(queueIds().includes(id), 'freeQueue removed it');
  t.equal(p.msgQueueId, null);
});

t.test('clause:process.queue.shared ORIENT mode pops only type id + 1', async (t) => {
  const p = new Process(noop, false, 0);
  t.equal(p.useQueue(0, SWOOLE_MSGQUEUE_ORIENT | Process.IPC_NOWAIT), true);
  const id = p.msgQueueId!;
  native.msgsnd(id, 99, Buffer.from('other type'));
  t.equal(p.pop(), false, 'another type is not taken');
  t.equal(p.push('mine'), true);
  t.equal(p.pop()!.toString(), 'mine');
  t.equal(native.msgrcv(id, 99, 100, { nowait: true })!.data.toString(), 'other type');
  t.equal(p.useQueue(0, 2, 1024), false, 'capacity is not supported');
  t.equal(swooleLastError(), 507);
  p.freeQueue();
  t.notOk(queueIds().includes(id));
});

t.test('clause:process.kill.probe kill argument rules', async (t) => {
  t.equal(Process.kill(process.pid, 0), true, 'probe of a live process');
  t.same(withError(() => Process.kill(0, 0)), [false, 505], 'pid 0');
  t.same(withError(() => Process.kill(-1, 9)), [false, 505], 'pid -1');
  // A pid above pid_max cannot exist.
  t.same(withError(() => Process.kill(4194305, 0)), [false, 0], 'probe of no process: false, last error untouched');
  t.same(withError(() => Process.kill(4194305, 15)), [false, 502], 'a real signal to no process');
  t.throws(() => Process.kill(1.5), TypeError);
});

t.test('clause:process.wait.status wait with no children', async (t) => {
  t.equal(Process.wait(false), false);
  t.equal(await Process.wait(), false);
  t.throws(() => Process.wait('yes' as never), TypeError);
});

t.test('clause:process.signal.handlers signal rules, delivery in this process', async (t) => {
  t.same(withError(() => Process.signal(200, noop)), [false, 505], 'out of range');
  t.same(withError(() => Process.signal(-1, noop)), [false, 505]);
  t.same(withError(() => Process.signal(9, noop)), [false, 505], 'SIGKILL cannot be caught');
  t.same(withError(() => Process.signal(10, null)), [false, 509], 'removing a handler that is not there');
  const got: number[] = [];
  let delivered!: () => void;
  const once = new Promise<void>((r) => (delivered = r));
  t.equal(Process.signal(10, () => got.push(-1)), true);
  t.equal(Process.signal(10, (n) => (got.push(n), delivered())), true, 'replaces the first handler');
  // Signal watchers do not hold the loop open; this timer does until delivery (it never fires first).
  const keep = setTimeout(() => {}, 60_000);
  process.kill(process.pid, 'SIGUSR1');
  await once;
  clearTimeout(keep);
  t.same(got, [10]);
  t.equal(Process.signal(10, null), true);
  t.equal(process.listenerCount('SIGUSR1'), 0, 'nothing left installed');
  t.equal(Process.signal(10, Process.SIG_IGN), true);
  // Ignored: this process survives it. A second listener tells us it was delivered.
  const seen = new Promise<void>((r) => process.once('SIGUSR1', () => r()));
  const keep2 = setTimeout(() => {}, 60_000);
  process.kill(process.pid, 'SIGUSR1');
  await seen;
  clearTimeout(keep2);
  t.equal(Process.signal(10, null), true);
});

t.test('clause:process.exec.replace clause:process.exit.code exec and exit refusals in the parent', async (t) => {
  const p = new Process(noop, false, 0);
  t.same(withError(() => p.exec('', [])), [false, 505], 'empty path');
  t.same(withError(() => p.exec('/nonexistent/program', ['a'])), [false, 502], 'missing program: false, this process goes on');
  t.throws(() => p.exec('/bin/true', 'a' as never), TypeError);
  t.same(withError(() => p.exit(0)), [false, 509], 'not the current process');
});

t.test('set() validates; unknown keys warn', async (t) => {
  const p = new Process(noop, false, 0);
  clearLastError();
  p.set({ pdeathsig: -1 });
  t.equal(swooleLastError(), 505);
  clearLastError();
  p.set({ setup_timeout: 0 });
  t.equal(swooleLastError(), 505);
  clearLastError();
  p.set({ pdeathsig: 15, setup_timeout: 2, enable_coroutine: true, nonsense: 1 });
  t.equal(swooleLastError(), 0);
  t.throws(() => p.set(null as never), TypeError);
});

t.test('clause:process.socket.export clause:process.pipe.stream-bytes a stream socket reads only while recv() waits', async (t) => {
  const before = openFds();
  const [a, b] = native.socketpair('stream');
  const ha = Process.fromHandle({ id: 0, pid: process.pid, pipe: a, pipeType: 'stream', ownsPipe: true });
  const hb = Process.fromHandle({ id: 1, pid: process.pid, pipe: b, pipeType: SOCK_STREAM, ownsPipe: true });
  const sb = hb.exportSocket();
  if (!sb) throw new Error('no socket');
  ha.write('first');
  await new Promise((r) => setImmediate(r)); // give the loop a turn: an eager socket would read now
  t.equal(hb.read().toString(), 'first', 'the idle socket left the bytes to read()');
  const pending = sb.recv(3);
  ha.write('second');
  t.equal((await pending)!.toString(), 'sec', 'recv(3) takes at most 3 bytes');
  t.equal((await sb.recv())!.toString(), 'ond', 'the rest stays queued in the socket');
  ha.close(Process.PIPE_WRITE);
  t.equal((await sb.recv() as Buffer).length, 0, 'EOF after PIPE_WRITE: empty');
  sb.close();
  ha.close();
  hb.close();
  t.equal(openFds(), before, 'no fd leaked');
});
