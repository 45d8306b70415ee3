import { fillBytes } from '../../protocol/bytes.ts';
import { defineCase } from '../../case.ts';
import { stopServer } from '../finish.ts';
import { dataText, Driver, gate, ok, tag, taskServer } from './rig.ts';

// The only task worker is busy (the runner holds its onTask open) while worker 0 calls task() 48 times with
// 512 KiB each (24 MiB): past what the kernel buffers plus pipe_buffer_size (1 MiB) task() must
// answer false with SERVER_PIPE_BUFFER_FULL (9006), and every task that got an id still runs.
const N = 48;
const SIZE = 512 << 10;

export default defineCase({
  id: 'server.tasks.backpressure',
  title: 'A task() flood towards a busy task worker hits pipe_buffer_size: false with 9006; every accepted task still reaches onTask',
  clauses: ['server-tasks.reliability.backpressure'],
  features: ['server', 'server.tasks', 'server.base', 'server.tcp', 'framing.length'],
  budgetMs: 40000,
  scenario: taskServer({ pipe_buffer_size: 1 << 20 }, ['Receive', 'WorkerStart', 'Task']),
  async run(h) {
    const busy = gate();
    h.onEvent('Task', { where: (e) => dataText(e) === 'block' }, async () => {
      await busy.wait;
      return [];
    });
    const d = await Driver.start(h, 2);
    ok((await d.run([{ call: 'task', args: [tag('block')] }])).results[0], 'task');
    await h.waitEvent('Task', { where: (e) => dataText(e) === 'block' });
    const flood = await d.run(Array.from({ length: N }, (_, i) => ({ call: 'task', args: [fillBytes(SIZE, (0x10 + i).toString(16))] })));
    const accepted = flood.results.filter((r) => typeof r.ret === 'number');
    const refused = flood.results.filter((r) => r.ret === false);
    h.expectTrue('some tasks were accepted', accepted.length > 0, flood.results.map((r) => r.ret));
    h.expectTrue('the flood was refused past the buffer', refused.length > 0, { accepted: accepted.length });
    h.expectEqual('refusals say SERVER_PIPE_BUFFER_FULL', refused.map(() => 9006), refused.map((r) => r.last_error));
    h.expectEqual('accepted or refused, nothing else', N, accepted.length + refused.length);
    busy.open();
    const ran = await h.waitEvents('Task', accepted.length, { where: (e) => (e.args.data as { $bytes?: { len: number } })?.$bytes?.len === SIZE }, 20000);
    h.expectEqual('every accepted task reached onTask once', accepted.map((r) => r.ret).sort(), ran.map((e) => e.args.task_id).sort());
    await stopServer(h);
  },
});
