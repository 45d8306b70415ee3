import { defineCase } from '../../case.ts';
import { taskServer } from './rig.ts';

// task_worker_num > 0 without onTask: start() fails with 9015 and no worker starts (Swoole makes
// it a PHP fatal, exit 255: an expected failure there). onFinish is not required (other cases
// start without it).
export default defineCase({
  id: 'server.tasks.require-on-task',
  title: "start() with task workers and no onTask fails with INVALID_CALLBACK (9015) \"require 'onTask' callback\"",
  clauses: ['server-tasks.start.require-on-task'],
  features: ['server', 'server.tasks', 'server.base', 'server.tcp'],
  scenario: taskServer({ task_worker_num: 1 }, ['Receive', 'WorkerStart']),
  async run(h) {
    await h.start();
    await h.waitEvent('Init');
    const ret = await h.waitEvent('Return');
    const threw = ret.args.threw as { code?: unknown; message?: string } | undefined;
    h.expectEqual('start() throws INVALID_CALLBACK', 9015, threw?.code);
    h.expectTrue("the message names onTask", /onTask/.test(threw?.message ?? ''), threw?.message);
    h.expectNoEvent('no worker started', 'WorkerStart');
    await h.waitExit(5000);
  },
});
