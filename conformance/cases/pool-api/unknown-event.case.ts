import { defineCase } from '../../case.ts';
import { atInit, misusePool } from './construct.ts';

export default defineCase({
  id: 'pool.api.unknown-event',
  title: 'on() with an unknown event name (or with the "on" prefix) returns false; known names are case-insensitive',
  clauses: ['pool.api.unknown-event', 'pool.api.misuse'],
  features: ['pool', 'pool.ipc.unixsock'],
  scenario: misusePool({ events: ['Foo', 'onWorkerStart', 'workerstart', 'Message'] }),
  async run(h) {
    const { init } = await atInit(h);
    const on = init.on ?? {};
    h.expectEqual('on() answers', { Foo: false, onWorkerStart: false, workerstart: true, Message: true }, Object.fromEntries(Object.entries(on).map(([k, r]) => [k, r.threw ? 'threw' : r.ret])));
  },
});
