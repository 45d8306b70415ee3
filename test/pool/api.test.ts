/** Pool misuse, in-process (nothing is started): each call on the channel Swoole uses. */
import t from 'tap';
import { ErrorCode, Pool, SWOOLE_IPC_MSGQUEUE, SWOOLE_IPC_NONE, SWOOLE_IPC_SOCKET, SWOOLE_IPC_UNIXSOCK, SwooleError, swooleLastError } from '../../reference/index.ts';

process.removeAllListeners('warning'); // the warnings are the point; keep the output readable

t.test('clause:pool.api.misuse constructor and on()', async (t) => {
  t.throws(() => new Pool(0), { code: ErrorCode.INVALID_PARAMS });
  t.throws(() => new Pool(-1), SwooleError);
  t.throws(() => new Pool(1.5), TypeError);
  t.throws(() => new Pool(1, SWOOLE_IPC_MSGQUEUE, 0, true), { code: ErrorCode.INVALID_PARAMS }, 'coroutine needs UNIXSOCK');
  const none = new Pool(1, SWOOLE_IPC_NONE);
  t.throws(() => none.on('Message', () => {}), { code: ErrorCode.INVALID_PARAMS });
  t.equal(none.on('Foo', () => {}), false);
  t.equal(swooleLastError(), ErrorCode.UNKNOWN_EVENT);
  t.equal(none.on('onWorkerStart', () => {}), false, 'no "on" prefix');
  t.equal(none.on('workerstart', () => {}), true, 'case-insensitive');
  t.equal(new Pool(1, 99).ipcType, SWOOLE_IPC_NONE, 'unknown ipc type behaves as NONE');
});

t.test('clause:pool.api.misuse calls that answer false with a last error', async (t) => {
  const unix = new Pool(2, SWOOLE_IPC_UNIXSOCK);
  t.equal(unix.listen('127.0.0.1', 0), false);
  t.equal(swooleLastError(), ErrorCode.OPERATION_NOT_SUPPORT);
  t.equal(unix.sendMessage('x', 0), false, 'before start');
  t.equal(swooleLastError(), ErrorCode.WRONG_OPERATION);
  t.equal(unix.write('x'), false, 'write() outside SOCKET mode');
  t.equal(unix.getProcess(0), false, 'getProcess before start');
  t.equal(unix.detach(), false, 'detach when not started');
  t.throws(() => unix.shutdown(), { code: ErrorCode.INVALID_PARAMS }, 'shutdown() when not started throws');
  const sock = new Pool(1, SWOOLE_IPC_SOCKET);
  t.equal(await sock.start(), false, 'SOCKET without listen()');
  t.equal(swooleLastError(), ErrorCode.WRONG_OPERATION);
  t.equal(sock.write(''), false, 'empty write');
  const bus = new Pool(1, SWOOLE_IPC_MSGQUEUE);
  bus.set({ enable_message_bus: true });
  bus.on('WorkerStart', () => {});
  t.equal(await bus.start(), false, 'the message bus needs UNIXSOCK');
  t.equal(swooleLastError(), ErrorCode.OPERATION_NOT_SUPPORT);
  const neg = new Pool(1);
  neg.set({ max_package_size: -1 });
  t.equal(swooleLastError(), ErrorCode.INVALID_PARAMS, 'negative max_package_size warns and is ignored');
});
