/**
 * The process-wide "last error", like swoole_last_error(): calls that Swoole answers with
 * false + a warning set it; calls that succeed leave it alone (as Swoole does).
 */
import { errorName, type ErrorCodeValue } from './errors.ts';

let last = 0;

export function swooleLastError(): number {
  return last;
}

/** Records `code` and emits a process warning naming it; returns false for `return fail(...)`. */
export function fail(code: ErrorCodeValue, message: string): false {
  last = code;
  process.emitWarning(message, { code: `SWOOLE_${errorName(code) ?? code}` });
  return false;
}

/** Test helper: reset between cases. */
export function clearLastError(): void {
  last = 0;
}
