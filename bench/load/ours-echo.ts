/**
 * The reference Server as a length-framed echo (4-byte big-endian length, body offset 4) for the
 * load bench. Prints "ready <port>" once serving; SIGTERM shuts it down.
 *
 *   node --import=tsx bench/load/ours-echo.ts <mode: base|process> <workers>
 */
import { SWOOLE_BASE, SWOOLE_PROCESS } from '../../reference/constants.ts';
import { Server } from '../../reference/server/server.ts';

const mode = process.argv[2] === 'process' ? SWOOLE_PROCESS : SWOOLE_BASE;
const workers = Number(process.argv[3] ?? 1);
const server = new Server('127.0.0.1', 0, mode);
server.set({ worker_num: workers, open_length_check: true, package_length_type: 'N', package_length_offset: 0, package_body_offset: 4 });
server.on('receive', (s: Server, fd: number, _reactor: number, data: Buffer) => {
  s.send(fd, data);
});
let started = 0;
server.on('workerStart', () => {
  // Single-process: this process; with several workers, each prints and the bench waits for all.
  started++;
  console.log(`ready ${server.port} ${started}`);
});
try {
  await server.start();
} catch (e) {
  console.log(`unsupported ${(e as Error).message}`);
  process.exit(3);
}
