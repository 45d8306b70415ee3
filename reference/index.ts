/** swoole-conformance's reference implementation: the public surface. */
export * from './constants.ts';
export { ErrorCode, SwooleError, errorName, type ErrorName, type FramingError } from './errors.ts';
export { swooleLastError } from './last-error.ts';
export { Pool, type PoolProcess, type PoolOptions } from './pool/index.ts';
export * as framing from './framing/index.ts';
export { Server } from './server/server.ts';
export { Process, ProcessSocket, type ProcessCallback, type ProcessHandleInit, type WaitResult } from './process/index.ts';
