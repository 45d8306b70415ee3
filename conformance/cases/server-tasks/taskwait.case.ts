import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fillBytes } from '../../protocol/bytes.ts';
import { defineCase } from '../../case.ts';
import { expected, pattern } from '../expect-bytes.ts';
import { stopServer } from '../finish.ts';
import { dataText, doneWithin, Driver, gate, norm, ok, tag, taskServer, textOf } from './rig.ts';

const STRUCT = { s: 'text', n: [1, 2.5, -3], b: true, z: null, m: { k: 'v', deep: { list: ['x', 'y'] } } };

// taskwait: the first result wins; a task held past the timeout gives false on time, its late
// result is dropped and the next taskwait gets its own; big and structured payloads round-trip;
// nothing is left in task_tmpdir (Swoole spills > 8 KiB there).
export default defineCase({
  id: 'server.tasks.taskwait',
  title: 'taskwait returns the first result, false at the timeout (late result dropped), then works again; MiB and structured payloads intact',
  clauses: ['server-tasks.taskwait.result', 'server-tasks.taskwait.timeout', 'server-tasks.payload.large', 'server-tasks.payload.structured', 'server-tasks.task.deliver'],
  features: ['server', 'server.tasks', 'server.base', 'server.tcp', 'framing.length'],
  scenario: ({ tmpdir }) => taskServer({ task_tmpdir: tmpdir }, ['Receive', 'WorkerStart', 'Task', 'Finish']),
  async run(h) {
    const slow = gate();
    h.onEvent('Task', { where: (e) => dataText(e) === 'abc' }, () => [{ call: 'finish', args: [tag('A')] }, { call: 'finish', args: [tag('B')] }, { return: tag('C') }]);
    h.onEvent('Task', { where: (e) => dataText(e) === 'slow' }, async () => {
      await slow.wait;
      return [{ return: tag('late') }];
    });
    h.onEvent('Task', { where: (e) => (e.args.data as { $bytes?: { len: number } })?.$bytes?.len === 2 << 20 }, () => [{ call: 'finish', args: [fillBytes(4 << 20, '62')] }]);
    h.onEvent('Task', undefined, () => [{ return: { $arg: 'data' } }]);
    const d = await Driver.start(h, 2);

    const first = await d.run([{ call: 'taskwait', args: [tag('abc'), 5] }]);
    h.expectEqual('taskwait returns the first finish()', 'A', textOf(ok(first.results[0], 'taskwait').ret));

    const timed = await d.run([{ call: 'taskwait', args: [tag('slow'), 0.3] }]);
    const r = ok(timed.results[0], 'taskwait');
    h.expectEqual('taskwait of a task still running: false', false, r.ret);
    h.expectTrue('not before the 0.3 s timeout', timed.ms >= 300, timed.ms);
    h.expectTrue('and on time (the task has not ended)', timed.ms < 300 + h.ms(1500), timed.ms);
    slow.open();
    await doneWithin(h, await h.waitEvent('Task', { where: (e) => dataText(e) === 'slow' }), 5000);
    const next = await d.run([{ call: 'taskwait', args: [tag('next'), 5] }]);
    h.expectEqual('the next taskwait gets its own result, not the late one', 'next', textOf(ok(next.results[0], 'taskwait').ret));

    for (const len of [9000, 3 << 20]) {
      const big = await d.run([{ call: 'taskwait', args: [fillBytes(len, '5a'), 10] }]);
      const task = await h.waitEvent('Task', { where: (e) => (e.args.data as { $bytes?: { len: number } })?.$bytes?.len === len });
      h.expectEqual(`${len}-byte task data reaches onTask intact`, expected(pattern(len, 0x5a)), task.args.data);
      h.expectEqual(`${len}-byte result comes back intact`, expected(pattern(len, 0x5a)), ok(big.results[0], 'taskwait').ret);
    }
    const tid = ok((await d.run([{ call: 'task', args: [fillBytes(2 << 20, '61')] }])).results[0], 'task').ret;
    const fin = await h.waitEvent('Finish', { where: (e) => e.args.task_id === tid });
    h.expectEqual('a 4 MiB finish() reaches onFinish intact', expected(pattern(4 << 20, 0x62)), fin.args.data);

    const st = await d.run([{ call: 'taskwait', args: [STRUCT, 5] }]);
    const stTask = await h.waitEvent('Task', { where: (e) => typeof e.args.data === 'object' && e.args.data !== null && 'm' in (e.args.data as object) });
    h.expectEqual('structured task data arrives equal', STRUCT, norm(stTask.args.data));
    h.expectEqual('and comes back equal', STRUCT, norm(ok(st.results[0], 'taskwait').ret));

    h.expectEqual('only the task() result reached onFinish (late and extra results dropped)', [tid], h.events.filter((e) => e.name === 'Finish').map((e) => e.args.task_id));
    const left = readdirSync(h.tmpdir).filter((f) => statSync(join(h.tmpdir, f)).isFile() && f !== 'scenario.json');
    h.expectEqual('no spill files left in task_tmpdir', [], left);
    await stopServer(h);
  },
});
