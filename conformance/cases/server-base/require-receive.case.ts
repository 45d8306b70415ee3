import { defineCase } from '../../case.ts';
import { tcpServer } from '../scenarios.ts';

// A TCP server without onReceive cannot start (Swoole: fatal "require onReceive callback").
export default defineCase({
  id: 'server.base.require-receive',
  title: 'start() on a TCP server without onReceive fails and serves nothing',
  clauses: ['server.base.require-receive'],
  features: ['server', 'server.base', 'server.tcp'],
  scenario: tcpServer({}, ['Connect']),
  async run(h) {
    await h.start();
    const init = await h.waitEvent('Init');
    const port = (init.args.ports as { port: number }[])[0]!.port;
    // Either start() reports the failure (reference: SwooleError 9015) or the process dies
    // (Swoole: PHP fatal, exit 255): both are a refusal; a start() that serves is not.
    const end = await Promise.race([h.waitEvent('Return').then((e) => ({ kind: 'return' as const, e })), h.waitExit(8000).then((x) => ({ kind: 'exit' as const, x }))]);
    if (end.kind === 'return') {
      h.expectTrue('start() did not succeed', end.e.args.ret !== true, end.e.args);
      const threw = end.e.args.threw as { code?: number } | undefined;
      if (threw) h.expectEqual('error code', 9015, threw.code);
    } else {
      h.expectTrue('the process failed', end.x.code !== 0, end.x);
    }
    h.expectNoEvent('no onConnect', 'Connect');
    await h.waitExit(8000);
    const probe = await h.connect({ host: '127.0.0.1', port }).then(
      (c) => (c.destroy(), 'connected'),
      () => 'refused',
    );
    h.expectEqual('nothing listens after the failed start', 'refused', probe);
  },
});
