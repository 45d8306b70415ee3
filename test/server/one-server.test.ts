import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { ErrorCode, SwooleError } from '../../reference/errors.ts';
import { Server } from '../../reference/server/server.ts';
import { Pool } from '../../reference/pool/pool.ts';
import { claimPool, release } from '../../reference/process-instance.ts';
import { singleServer } from './single-server.ts';

const echo = (s: Server) => s.on('receive', (srv: Server, fd: number, _r: number, d: Buffer) => srv.send(fd, d));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return 'nothing thrown';
}

async function roundTrip(port: number, text: string): Promise<string> {
  const c = net.connect(port, '127.0.0.1');
  await once(c, 'connect');
  c.write(text);
  const [d] = (await once(c, 'data')) as [Buffer];
  c.destroy();
  return d.toString();
}

t.test('clause:server.base.one-server — while a server runs, a second cannot be made or started; the first keeps serving', async (t) => {
  const early = new Server('127.0.0.1', 0); // made before any server runs: allowed
  echo(early);
  const earlyPort = early.port;
  const first = await singleServer(t, echo);
  const e = thrown(() => new Server('127.0.0.1', 0));
  t.ok(e instanceof SwooleError, 'a SwooleError');
  t.match(e, { code: ErrorCode.SERVER_ONLY_START_ONE, message: /server is running/ });
  await t.rejects(early.start(), { code: ErrorCode.SERVER_ONLY_START_ONE }, 'start() of the other server throws too');
  // Its port was released: the kernel lets a new socket bind it.
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(earlyPort, '127.0.0.1', () => resolve()));
  probe.close();
  t.equal(await roundTrip(first.port, 'ping'), 'ping', 'the running server still serves');
});

t.test('clause:server.base.one-server — once a server has shut down, the next one can be made and started', async (t) => {
  const a = new Server('127.0.0.1', 0);
  echo(a);
  const up = new Promise<void>((r) => a.on('workerStart', () => r()));
  const done = a.start();
  await up;
  a.shutdown();
  t.equal(await done, true);
  const b = await singleServer(t, echo);
  t.equal(await roundTrip(b.port, 'again'), 'again');
});

t.test('clause:server.base.one-server — a server whose start() failed does not hold the process', async (t) => {
  const bad = new Server('127.0.0.1', 0); // no onReceive
  await t.rejects(bad.start(), { code: ErrorCode.SERVER_INVALID_CALLBACK });
  const ok = await singleServer(t, echo);
  t.equal(await roundTrip(ok.port, 'x'), 'x');
});

t.test('clause:server.base.no-pool-beside — a Pool cannot be made or started while a server runs', async (t) => {
  const early = new Pool(1);
  await singleServer(t, echo);
  t.throws(() => new Pool(1), /cannot create server and process pool instances simultaneously/);
  await t.rejects(early.start(), /cannot create server and process pool instances simultaneously/, 'start() of a pool made earlier throws');
});

t.test('clause:server.base.no-pool-beside — while a pool runs in this process, new Server throws (509)', async (t) => {
  const owner = {};
  claimPool(owner); // what Pool.start() does (a Pool's master would re-run this file in its workers)
  t.teardown(() => release(owner));
  t.match(thrown(() => new Server('127.0.0.1', 0)), { code: ErrorCode.WRONG_OPERATION, message: /cannot create server and process pool instances simultaneously/ });
  release(owner);
  const s = await singleServer(t, echo);
  t.equal(await roundTrip(s.port, 'free'), 'free', 'released: a server can start again');
});
