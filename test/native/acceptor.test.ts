import t from 'tap';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { native, isTypeError } from './_helpers.ts';

function flags(fd: number): number {
  return parseInt(/flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
}

function nextAccept(fd: number): Promise<{ fds: number[]; errno: number; acceptor: ReturnType<typeof native.openAcceptor> }> {
  return new Promise((resolve) => {
    const acceptor = native.openAcceptor(fd, (fds, errno) => {
      acceptor.stop();
      resolve({ fds, errno, acceptor });
    });
    acceptor.start();
  });
}

t.test('openAcceptor: each readiness hands over the new connections, non-blocking and CLOEXEC', async (t) => {
  const { fd, port } = native.listenTcp('127.0.0.1', 0, { backlog: 16 });
  t.teardown(() => native.close(fd));
  const clients = [0, 1, 2].map(() => net.connect(port, '127.0.0.1'));
  t.teardown(() => clients.forEach((c) => c.destroy()));
  await Promise.all(clients.map((c) => new Promise((r) => c.once('connect', r))));
  const { fds, errno, acceptor } = await nextAccept(fd);
  acceptor.close();
  t.equal(errno, 0, 'stopped on EAGAIN');
  t.equal(fds.length, 3, 'all three in one wake-up');
  for (const f of fds) {
    t.ok(flags(f) & 0o4000, 'O_NONBLOCK');
    t.ok(flags(f) & 0o2000000, 'O_CLOEXEC');
    native.close(f);
  }
});

t.test('close() stops watching but leaves the listening fd to its owner', async (t) => {
  const { fd, port } = native.listenTcp('127.0.0.1', 0);
  t.teardown(() => native.close(fd));
  native.openAcceptor(fd, () => t.fail('closed before any connection')).close();
  const c = net.connect(port, '127.0.0.1');
  t.teardown(() => c.destroy());
  const { fds, acceptor } = await nextAccept(fd);
  acceptor.close();
  t.equal(fds.length, 1, 'the fd still listens: a second acceptor takes the connection');
  native.close(fds[0]!);
});

t.test('bad arguments are TypeErrors', async (t) => {
  t.throws(() => native.openAcceptor(-1, () => {}), isTypeError);
  t.throws(() => (native.openAcceptor as (fd: unknown, cb: unknown) => unknown)(3, 'x'), isTypeError);
});
