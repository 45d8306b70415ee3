import t from 'tap';
import type { Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { native, errnoShape, errnoOf, isTypeError, spawnFixture, exitOf, lines, nextLine } from './_helpers.ts';
import { nodeCommand } from '../../conformance/runner/compiled.ts';
import type { ErrnoError, SysvMessage } from '../../reference/native/api.ts';

function queue(t: Test): number {
  const id = native.msgget(0, { create: true });
  t.teardown(() => {
    try {
      native.msgRemove(id);
    } catch {
      // already removed by the test
    }
  });
  return id;
}

/** msgrcv's syscall number, to see in /proc that a thread is blocked inside it. */
const MSGRCV_NR: Record<string, number> = { x64: 70, arm64: 188 };

/** Resolves once some thread of this process is blocked in msgrcv (read from /proc/self/task/<tid>/syscall). */
async function blockedInMsgrcv(): Promise<void> {
  const nr = MSGRCV_NR[process.arch];
  if (nr === undefined) throw new Error(`no msgrcv syscall number for ${process.arch}`);
  for (;;) {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        if (readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').startsWith(`${nr} `)) return;
      } catch {
        // thread exited meanwhile
      }
    }
    await new Promise((r) => setImmediate(r));
  }
}

/** This process's SysV receiver threads (the addon names them; V8 and libuv start threads of their own at any time). */
function threads(): number {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'swc-msgrcv';
    } catch {
      return false; // the thread ended meanwhile
    }
  }).length;
}

type Delivery = { err: ErrnoError | null; msg: SysvMessage | null };

/** A receiver whose deliveries are awaited one by one. */
function receiver(id: number, msgtyp = 0, maxSize = 8192) {
  const got: Delivery[] = [];
  const waiters: ((d: Delivery) => void)[] = [];
  const r = native.msgReceiver(id, msgtyp, maxSize, (err, msg) => {
    const d = { err, msg };
    const w = waiters.shift();
    if (w) w(d);
    else got.push(d);
  });
  return {
    r,
    next: (): Promise<Delivery> => {
      const d = got.shift();
      return d ? Promise.resolve(d) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

t.test('msgget: private queue, default mode 0600, keyed create/exclusive', async (t) => {
  const id = queue(t);
  t.same(native.msgStat(id), { qnum: 0, qbytes: native.msgLimits().msgmnb, cbytes: 0, mode: 0o600 });
  const key = 0x5c000000 + (process.pid & 0xffff);
  const k = native.msgget(key, { create: true, exclusive: true, mode: 0o640 });
  t.teardown(() => native.msgRemove(k));
  t.equal(native.msgStat(k).mode, 0o640);
  t.equal(native.msgget(key), k, 'opened by key');
  t.throws(() => native.msgget(key, { create: true, exclusive: true }), errnoShape('EEXIST', 'msgget'));
  t.throws(() => native.msgget(key + 1), errnoShape('ENOENT', 'msgget'));
  t.throws(() => native.msgget('k' as never), isTypeError);
  t.throws(() => native.msgget(0, { mode: 0o1000 }), isTypeError);
  t.throws(() => native.msgget(0, { create: 1 as never }), isTypeError);
});

t.test('msgsnd/msgrcv: round trip, mtype selection, nowait', async (t) => {
  const id = queue(t);
  t.equal(native.msgsnd(id, 1, Buffer.from('one')), true);
  t.equal(native.msgsnd(id, 2, Buffer.from('two')), true);
  t.equal(native.msgsnd(id, 3, Buffer.alloc(0)), true);
  t.same(native.msgStat(id), { qnum: 3, qbytes: native.msgLimits().msgmnb, cbytes: 6, mode: 0o600 });
  t.same(native.msgrcv(id, 2, 100), { mtype: 2, data: Buffer.from('two') });
  t.same(native.msgrcv(id, -2, 100), { mtype: 1, data: Buffer.from('one') }, 'lowest type <= 2');
  t.same(native.msgrcv(id, 0, 100), { mtype: 3, data: Buffer.alloc(0) });
  t.equal(native.msgrcv(id, 0, 100, { nowait: true }), null, 'ENOMSG with nowait is null');
  t.throws(() => native.msgsnd(id, 0, Buffer.from('x')), isTypeError, 'mtype >= 1');
  t.throws(() => native.msgsnd(id, 1, 'x' as never), isTypeError);
  t.throws(() => native.msgsnd(id, 1, Buffer.from('x'), 1 as never), isTypeError);
  t.throws(() => native.msgrcv(id, 0, -1), isTypeError);
  t.throws(() => native.msgrcv(id, 0, 10, { truncate: 'y' as never }), isTypeError);
});

t.test('msgrcv: E2BIG unless truncate (MSG_NOERROR)', async (t) => {
  const id = queue(t);
  native.msgsnd(id, 1, Buffer.from('0123456789'));
  t.throws(() => native.msgrcv(id, 0, 4, { nowait: true }), errnoShape('E2BIG', 'msgrcv'));
  t.equal(native.msgStat(id).qnum, 1, 'E2BIG leaves the message queued');
  t.same(native.msgrcv(id, 0, 4, { truncate: true }), { mtype: 1, data: Buffer.from('0123') });
  t.equal(native.msgStat(id).qnum, 0, 'the rest of a truncated message is discarded');
});

t.test('sizes up to msgmax; beyond is EINVAL; a full queue with nowait is false', async (t) => {
  const id = queue(t);
  const { msgmax, msgmnb } = native.msgLimits();
  t.ok(msgmax > 0 && msgmnb >= msgmax);
  const big = Buffer.alloc(msgmax, 0xab);
  t.equal(native.msgsnd(id, 1, big), true);
  t.same(native.msgrcv(id, 0, msgmax)!.data, big);
  t.throws(() => native.msgsnd(id, 1, Buffer.alloc(msgmax + 1)), errnoShape('EINVAL', 'msgsnd'));
  let sent = 0;
  while (native.msgsnd(id, 1, big, true)) sent++;
  t.equal(sent, Math.floor(msgmnb / msgmax), 'filled to msgmnb');
  t.equal(native.msgsnd(id, 1, big, true), false, 'EAGAIN with nowait is false');
});

t.test('msgStat / msgRemove errors', async (t) => {
  const id = native.msgget(0, { create: true });
  native.msgRemove(id);
  t.throws(() => native.msgStat(id), errnoShape('EINVAL', 'msgctl'));
  t.throws(() => native.msgRemove(id), errnoShape('EINVAL', 'msgctl'));
  const e = errnoOf(() => native.msgsnd(id, 1, Buffer.from('x'), true))!;
  t.ok(['EINVAL', 'EIDRM'].includes(e.code) && e.errno > 0 && e.syscall === 'msgsnd', e.code);
});

t.test('receiver: one message at a time; next() takes the next', async (t) => {
  const id = queue(t);
  const before = threads();
  for (const s of ['a', 'b', 'c']) native.msgsnd(id, 1, Buffer.from(s));
  const rx = receiver(id);
  t.teardown(() => rx.r.close());
  const first = await rx.next();
  t.same(first, { err: null, msg: { mtype: 1, data: Buffer.from('a') } });
  // The receiver holds nothing beyond what it delivered: a competitor gets 'b'.
  t.same(native.msgrcv(id, 0, 10, { nowait: true }), { mtype: 1, data: Buffer.from('b') });
  rx.r.next();
  t.same((await rx.next()).msg, { mtype: 1, data: Buffer.from('c') });
  t.equal(threads(), before + 1, 'one dedicated thread');
  rx.r.close();
  rx.r.close();
  t.equal(threads(), before, 'close() joined the thread');
  t.throws(() => rx.r.ref(1 as never), isTypeError);
});

t.test('receiver: close() wakes a thread blocked in msgrcv and steals nothing', async (t) => {
  const id = queue(t);
  const before = threads();
  const rx = receiver(id);
  await blockedInMsgrcv();
  rx.r.close();
  t.equal(threads(), before);
  native.msgsnd(id, 1, Buffer.from('later'));
  t.same(native.msgrcv(id, 0, 10, { nowait: true }), { mtype: 1, data: Buffer.from('later') });
});

t.test('receiver: a message taken but not delivered before close() goes back to the queue', async (t) => {
  const id = queue(t);
  for (let i = 0; i < 20; i++) {
    native.msgsnd(id, 5, Buffer.from(`m${i}`));
    const r = native.msgReceiver(id, 0, 100, () => t.fail('closed before the loop turned'));
    r.close();
    t.same(native.msgrcv(id, 0, 100, { nowait: true }), { mtype: 5, data: Buffer.from(`m${i}`) });
  }
});

t.test('receiver: queue removal reaches cb as EIDRM', async (t) => {
  const id = native.msgget(0, { create: true });
  const rx = receiver(id);
  t.teardown(() => rx.r.close());
  native.msgsnd(id, 1, Buffer.from('x'));
  t.equal((await rx.next()).msg?.data.toString(), 'x');
  // Blocked in msgrcv again after next(); removal wakes it with EIDRM.
  rx.r.next();
  await blockedInMsgrcv();
  native.msgRemove(id);
  const d = await rx.next();
  t.equal(d.msg, null);
  t.match(d.err, errnoShape('EIDRM', 'msgrcv'));
  t.ok(d.err!.errno > 0);
});

t.test('receiver: message larger than maxSize reports E2BIG; argument checks', async (t) => {
  const id = queue(t);
  native.msgsnd(id, 1, Buffer.alloc(100));
  const rx = receiver(id, 0, 10);
  t.teardown(() => rx.r.close());
  t.match((await rx.next()).err, errnoShape('E2BIG', 'msgrcv'));
  t.equal(native.msgStat(id).qnum, 1, 'left in the queue');
  t.throws(() => native.msgReceiver(id, 0, 10, 'cb' as never), isTypeError);
  t.throws(() => native.msgReceiver(id, 0.5, 10, () => {}), isTypeError);
  t.throws(() => native.msgReceiver(-1, 0, 10, () => {}), isTypeError);
});

t.test('cross-process: a child and this process compete; every message delivered once', async (t) => {
  const id = queue(t);
  const child = spawnFixture('msg-worker', [String(id)]);
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const it = lines(child);
  t.equal(await nextLine(it), 'ready');
  const mine: string[] = [];
  const rx = native.msgReceiver(id, 1, 8192, (err, msg) => {
    if (msg) mine.push(msg.data.toString());
    if (!err) rx.next();
  });
  t.teardown(() => rx.close());
  const total = 200;
  for (let i = 0; i < total; i++) native.msgsnd(id, 1, Buffer.from(`m${i}`));
  // Messages of type 2 only the child takes (this receiver asks for type 1): its stop marker.
  native.msgsnd(id, 2, Buffer.from('sync'));
  const theirs: string[] = [];
  for (;;) {
    const line = await nextLine(it);
    if (line === 'sync') break;
    theirs.push(line);
  }
  native.msgsnd(id, 2, Buffer.from('stop'));
  t.same(await exitOf(child), { code: 0, signal: null });
  // Wait until everything left was consumed here (the queue is drained of type 1).
  while (mine.length + theirs.length < total) await new Promise((r) => setImmediate(r));
  rx.close();
  const all = [...mine, ...theirs].sort();
  t.same(all, Array.from({ length: total }, (_, i) => `m${i}`).sort(), 'exactly once each');
  t.equal(native.msgStat(id).qnum, 0);
});

t.test('environment teardown: process.exit with a receiver blocked in msgrcv exits cleanly', async (t) => {
  const id = queue(t);
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(process.execPath, [...nodeCommand(fileURLToPath(new URL('./fixtures/msg-exit.ts', import.meta.url))).slice(1), String(id)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  t.equal(await nextLine(lines(child)), 'ready');
  child.stdin!.end('go');
  t.same(await exitOf(child), { code: 0, signal: null });
  native.msgsnd(id, 1, Buffer.from('after'));
  t.same(native.msgrcv(id, 0, 64, { nowait: true })?.data, Buffer.from('after'), 'the dead receiver took nothing');
});
