/** Swoole\Process: the class, its exported socket, and its option/wait types. */
export { Process, type ProcessCallback, type ProcessHandleInit } from './process.ts';
export { ProcessSocket } from './socket.ts';
export type { WaitResult } from './children.ts';
export type { ProcessOptions } from './options.ts';
