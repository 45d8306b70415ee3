/**
 * Process::signal(): one handler per signal number, called with the number. SIG_IGN (1) as
 * the callback ignores the signal; null removes the handler. SIGCHLD handlers run after a
 * child started by Process exits (see children.ts). A child clears the handlers its re-run
 * script installed before its callback runs, as Swoole clears them after fork.
 */
import { constants } from 'node:os';
import { ErrorCode } from '../errors.ts';
import { fail } from '../last-error.ts';
import { children } from './children.ts';

/** SW_SIGNO_MAX. */
const SIGNO_MAX = 128;
export const SIG_IGN = 1;

const names = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const installed = new Map<number, () => void>();

export type SignalCallback = (signo: number) => unknown;

export function setSignal(signo: number, cb: SignalCallback | typeof SIG_IGN | null | undefined): boolean {
  if (!Number.isInteger(signo)) throw new TypeError('signal number must be an integer');
  if (cb !== null && cb !== undefined && cb !== SIG_IGN && typeof cb !== 'function') throw new TypeError('callback must be a function, SIG_IGN or null');
  if (signo < 0 || signo >= SIGNO_MAX) return fail(ErrorCode.INVALID_PARAMS, `invalid signal number [${signo}]`);
  if (cb === null || cb === undefined) {
    if (!installed.has(signo)) return fail(ErrorCode.WRONG_OPERATION, `unable to find the callback of signal [${signo}]`);
    remove(signo);
    return true;
  }
  const run = cb === SIG_IGN ? () => {} : () => void (cb as SignalCallback)(signo);
  if (signo === constants.signals.SIGCHLD) {
    remove(signo);
    children.onSigchld(run);
    installed.set(signo, () => children.onSigchld(null));
    return true;
  }
  const name = names.get(signo);
  if (!name) return fail(ErrorCode.INVALID_PARAMS, `invalid signal number [${signo}]`);
  try {
    process.on(name, run);
  } catch (e) {
    // SIGKILL / SIGSTOP cannot be caught (uv_signal_start EINVAL).
    return fail(ErrorCode.INVALID_PARAMS, `cannot handle signal [${signo}]: ${(e as Error).message}`);
  }
  remove(signo);
  installed.set(signo, () => process.off(name, run));
  return true;
}

function remove(signo: number): void {
  installed.get(signo)?.();
  installed.delete(signo);
}

/** Drops every handler installed here (a child does this before its callback). */
export function clearSignals(): void {
  for (const signo of [...installed.keys()]) remove(signo);
}
