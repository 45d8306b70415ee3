/** Swoole\Process with real children: each case runs one scenario of fixtures/app.ts, which re-runs itself as the child. */
import t, { type Test } from 'tap';
import { App, gone, queueIds } from './harness.ts';

const run = async (t: Test, app: string, env: Record<string, string> = {}): Promise<App> => {
  const a = new App(t, app, env);
  t.same(await a.done(), { code: 0, signal: null }, `scenario ${app} exits cleanly${a.stderr ? `; stderr: ${a.stderr}` : ''}`);
  return a;
};
const ev = (a: App, name: string): Record<string, unknown> => {
  const e = a.events.find((x) => x.ev === name);
  if (!e) throw new Error(`no ${name} event in ${JSON.stringify(a.events)}; stderr: ${a.stderr}`);
  return e;
};
const reaped = (t: Test, a: App): void => {
  const w = ev(a, 'wait') as { result: { pid: number } | false; zombieGone: boolean; again: unknown };
  t.ok(w.result, 'wait() returned the child');
  t.equal(w.zombieGone, true, 'the child is gone once wait() returns (no zombie)');
  t.equal(w.again, false, 'a second wait() with no child left is false');
  if (w.result) t.ok(gone(w.result.pid), 'child pid gone');
};

t.test('clause:process.start.returns-pid clause:process.pipe.dgram-boundaries clause:process.start.exit-after-callback clause:process.wait.status datagram pipe', async (t) => {
  const a = await run(t, 'dgram');
  const r = ev(a, 'reply') as { startPid: number; propPid: number; id: number; pid: number; reply: { got: string[]; pid: number; ppid: number; id: number; pipe: number } };
  t.equal(r.startPid, r.reply.pid, 'start() returned the child pid');
  t.equal(r.propPid, r.startPid, 'pid property in the parent');
  t.equal(r.reply.ppid, r.pid, 'the child is ours');
  t.equal(r.reply.id, r.id, 'same id in the child');
  t.equal(r.id, 1, 'ids start at 1');
  t.same(r.reply.got, ['a', 'bb', 'ccc', 'xxxxxxxxxx', 'last'], 'one read = one message; read(10) cut the 100-byte message and dropped its rest');
  const w = ev(a, 'wait') as { result: { pid: number; code: number; signal: number } };
  t.same(w.result, { pid: r.startPid, code: 0, signal: 0 }, 'exit 0 after the callback returned');
  reaped(t, a);
  const fds = ev(a, 'fds') as { before: number; after: number };
  t.equal(fds.after, fds.before, 'no fd left after wait() and close()');
});

t.test('clause:process.pipe.stream-bytes stream pipe: bytes, half-close, EOF', async (t) => {
  const a = await run(t, 'stream');
  const r = ev(a, 'reply') as { reply: string; eof: string };
  t.equal(r.reply, 'total:abbccc', 'three writes read as one byte stream up to EOF after close(PIPE_WRITE)');
  t.equal(r.eof, '', 'read() at end of stream is empty');
  reaped(t, a);
});

for (const type of ['dgram', 'stream']) {
  t.test(`clause:process.socket.export exportSocket over a ${type} pipe`, async (t) => {
    const a = await run(t, 'socket', { PROC_TYPE: type });
    const r = ev(a, 'reply') as { replies: string[]; same: boolean; type: string; sync: string };
    t.same(r.replies, ['echo:one', 'echo:two', 'echo:three']);
    t.equal(r.same, true, 'the same object on every call');
    t.equal(r.type, type);
    t.equal(r.sync, 'sync-too', 'write() still works on the same pipe');
    t.same(ev(a, 'timeout'), { ev: 'timeout', pid: ev(a, 'reply').pid, ret: false, errCode: 110 }, 'an expired recv timeout: false, ETIMEDOUT');
    reaped(t, a);
  });
}

t.test('clause:process.queue.shared clause:process.queue.private queue shared with the child, removed with its creator', async (t) => {
  const a = await run(t, 'queue');
  const q = ev(a, 'queue') as { reply: { got: string[]; stat: unknown; msgQueueId: number }; id: number; msgQueueId: number; msgQueueKey: number; mode: number; raw: { mtype: number; data: string } };
  t.same(q.reply.got, ['m1', 'm2'], 'the child popped what the parent pushed before start(), in order');
  t.equal(q.reply.msgQueueId, q.msgQueueId, 'the child sees the same queue');
  t.same(q.reply.stat, { queue_num: 0, queue_bytes: 0 });
  t.same(q.raw, { mtype: q.id + 1, data: 'from-child' }, 'push() uses type id + 1');
  t.equal(q.msgQueueKey, 0);
  t.equal(q.mode & 0o777, 0o600, 'created 0600');
  t.notOk(queueIds().includes(q.msgQueueId), 'the private queue is gone after its creator exited');
});

t.test('clause:process.redirect.stdio the child stdin/stdout are the pipe', async (t) => {
  const a = await run(t, 'redirect');
  const r = ev(a, 'redirect') as { first: string; rest: string };
  t.equal(r.first, 'hello from child\n', "the child's console.log arrives through read()");
  t.equal(r.rest, 'stdin:typed', "the parent's write() is the child's stdin; the output ends with the child");
  reaped(t, a);
});

t.test('clause:process.exec.replace exec in the child keeps stdio and the pipe fd', async (t) => {
  const a = await run(t, 'exec');
  const out = (ev(a, 'exec') as { out: string }).out.split('\n');
  t.equal(out[0], 'bad:false:502', 'a missing program: false, last error 502, the callback carries on');
  t.equal(out[1], 'argv:zero one', 'argv[0] is the path; args follow');
  t.equal(out[2], 'got:abc', 'stdin is still the pipe');
  t.equal(out[3], 'fd4:socket:', 'the pipe fd survived exec; the child marker did not leak into its environment');
  t.equal((ev(a, 'wait') as { result: { code: number } }).result.code, 3, "the program's exit status");
  reaped(t, a);
});

t.test('clause:process.kill.probe clause:process.start.already-started clause:process.pipe.peer-gone kill, probe, signal death', async (t) => {
  const a = await run(t, 'kill');
  const k = ev(a, 'kill') as Record<string, unknown>;
  t.equal(k.probe, true, 'kill(pid, 0) on a live child');
  t.equal(k.nb, false, 'wait(false) while it runs');
  t.same(k.again, { ret: false, err: 509 }, 'start() again while alive');
  t.same(k.w, { pid: k.pid, code: 0, signal: 9 }, 'wait(): the signal number');
  t.equal(k.after, false, 'kill(pid, 0) once gone');
  t.equal(k.quiet, true, 'the failed probe leaves the last error alone');
  t.equal(k.zombieGone, true);
  t.equal(k.afterRead, '', 'read() on the datagram pipe of a dead child ends empty');
  t.ok((k.readMs as number) < 2000, 'and promptly');
});

t.test('clause:process.exit.code exit codes; exit() elsewhere is refused', async (t) => {
  const a = await run(t, 'exit');
  const e = ev(a, 'exit') as { notHere: unknown; w: { code: number; signal: number }; big: { code: number }; crash: { code: number }; pipe: unknown };
  t.same(e.notHere, { ret: false, err: 509 }, 'not the current process');
  t.equal(e.w.code, 7);
  t.equal(e.w.signal, 0);
  t.equal(e.big.code, 1, 'exit(300) warns and exits 1');
  t.equal(e.crash.code, 255, 'an uncaught error in the callback: status 255');
  t.equal(e.pipe, null, 'pipe_type 0: no pipe');
});

t.test('clause:process.signal.handlers clause:process.start.exit-after-callback handlers in the child; the parent’s are not inherited', async (t) => {
  const a = await run(t, 'signal');
  const s = ev(a, 'signal') as { ready: string; got: string[]; w: { code: number; signal: number } };
  t.equal(s.ready, 'ready');
  t.same(s.got, ['usr1:10', 'removed'], 'the handler got the signal number');
  t.equal(s.w.signal, 12, "SIGUSR2: the parent's handler was cleared in the child, so the default action killed it");
  t.notOk(a.events.some((e) => e.ev === 'parent-usr2'), 'the parent never got SIGUSR2');
});

t.test('clause:process.wait.sigchld SIGCHLD + wait(false) collects every child', async (t) => {
  const a = await run(t, 'sigchld');
  const s = ev(a, 'sigchld') as { reaped: number[]; pids: number[] };
  t.same(s.reaped, [10, 11, 12]);
  t.equal(new Set(s.pids).size, 3);
  for (const pid of s.pids) t.ok(gone(pid));
});

t.test('clause:process.name.title name() sets cmdline and comm', async (t) => {
  const a = await run(t, 'name');
  t.same(ev(a, 'name'), { ev: 'name', pid: ev(a, 'name').pid, ok: 'true', comm: 'swoole-ref-chil', cmdline: 'swoole-ref-child-name' });
  reaped(t, a);
});

t.test('clause:process.pdeathsig.orphans a SIGKILLed parent takes its child along', async (t) => {
  const a = new App(t, 'orphan');
  const child = (await a.event('child')).child as number;
  t.notOk(gone(child), 'the child runs');
  a.proc.kill('SIGKILL');
  await a.done();
  // Bounded wait for the kernel to deliver the death signal and init to reap.
  const until = Date.now() + 10_000;
  while (!gone(child) && Date.now() < until) await new Promise((r) => setImmediate(r));
  const left = !gone(child);
  if (left) process.kill(child, 'SIGKILL');
  t.notOk(left, 'the child died with its parent');
});

for (const [app, why] of [
  ['setup-missing', /ended without calling start\(\) on Process #0/],
  ['setup-mismatch', /pipe_type 1, redirect false in the child but 2, false in the parent/],
  ['setup-hang', null],
] as const) {
  t.test(`clause:process.start.wrong-setup ${app}: start() throws 8809, no hang`, async (t) => {
    const a = await run(t, app);
    const s = ev(a, 'setup') as { threw: boolean; code: number; message?: string; ms?: number; isSwooleError?: boolean };
    t.equal(s.threw, true);
    t.equal(s.code, 8809);
    if (why) t.match(s.message, why);
    if (app === 'setup-missing') {
      t.equal(s.isSwooleError, true);
      t.same((ev(a, 'wait') as { result: unknown }).result, false, 'the failed child is not reported by wait()');
    }
    if (app === 'setup-hang') t.ok(s.ms! >= 500 && s.ms! < 5000, `bounded by setup_timeout (${s.ms} ms)`);
  });
}

t.test('clause:process.start.nested a child cannot start a Process of its own', async (t) => {
  const a = await run(t, 'nested');
  t.equal((ev(a, 'nested') as { reply: string }).reply, 'threw:8809');
  reaped(t, a);
});

t.test('clause:process.handle.existing a handle over an existing child and its pipe', async (t) => {
  const a = await run(t, 'handle');
  const h = ev(a, 'handle') as Record<string, unknown>;
  t.equal(h.reply, 'child-got:via-handle', 'write/read through the handle reach the child');
  t.same(h.startRet, { ret: false, err: 509 });
  t.equal(h.id, 5);
  t.equal(h.hpid, true);
  t.equal(h.stillOpen, true, 'closing a handle that does not own the fd leaves it open');
  reaped(t, a);
});

t.test('clause:process.start.wrong-setup no entry script (eval): start() throws 8809 at once', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const ref = new URL('../../reference/index.ts', import.meta.url).href;
  const src = `const { Process } = await import(${JSON.stringify(ref)}); try { new Process(() => {}).start(); console.log('no-throw'); } catch (e) { console.log(e.code); }`;
  const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', src], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.stdout.trim(), '8809');
  t.equal(r.status, 0);
});
