/** Event names (S7): matched case-insensitively; unknown names warn UNKNOWN_EVENT and are refused. */
import { ErrorCode } from '../errors.ts';

export const SERVER_EVENTS = [
  'start', 'beforeShutdown', 'shutdown', 'workerStart', 'workerStop', 'beforeReload', 'afterReload',
  'task', 'finish', 'workerExit', 'workerError', 'managerStart', 'managerStop', 'pipeMessage',
] as const;

export const PORT_EVENTS = [
  'connect', 'receive', 'close', 'packet', 'bufferFull', 'bufferEmpty', 'request', 'handshake',
  'beforeHandshakeResponse', 'open', 'message', 'disconnect',
] as const;

/** Lowercased name when it is one of `allowed`; otherwise warns (8802) and returns null. */
export function normalizeEvent(event: string, ...allowed: ReadonlyArray<readonly string[]>): string | null {
  const name = String(event).toLowerCase();
  for (const list of allowed) if (list.some((e) => e.toLowerCase() === name)) return name;
  process.emitWarning(`unknown event types[${String(event)}]`, { code: String(ErrorCode.UNKNOWN_EVENT), type: 'SwooleWarning' });
  return null;
}
