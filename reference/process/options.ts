/** Process::set() options: Swoole's enable_coroutine plus our two process-model settings. */
import { ErrorCode } from '../errors.ts';
import { fail } from '../last-error.ts';

export interface ProcessOptions {
  /** Swoole: run the callback with an event loop. Ours: the child stays alive until its loop is empty instead of exiting when the callback returns. */
  enable_coroutine: boolean;
  /** Ours: signal the child gets when the parent dies (prctl PR_SET_PDEATHSIG); 0 turns it off. */
  pdeathsig: number;
  /** Ours: seconds start() waits for the child to reach its callback before failing with INVALID_WORKER_SETUP. */
  setup_timeout: number;
}

export const DEFAULT_PROCESS_OPTIONS: Readonly<ProcessOptions> = Object.freeze({
  enable_coroutine: false,
  pdeathsig: 9,
  setup_timeout: 30,
});

/** Applies `input`; a bad value warns (last error 505) and keeps the old one, unknown keys warn. */
export function applyProcessOptions(into: ProcessOptions, input: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'enable_coroutine':
        into.enable_coroutine = Boolean(value);
        break;
      case 'pdeathsig':
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 64) fail(ErrorCode.INVALID_PARAMS, `pdeathsig must be a signal number (0 = none), got ${String(value)}`);
        else into.pdeathsig = value as number;
        break;
      case 'setup_timeout':
        if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(ErrorCode.INVALID_PARAMS, `setup_timeout must be a positive number of seconds, got ${String(value)}`);
        else into.setup_timeout = value;
        break;
      default:
        process.emitWarning(`unsupported option [${key}]`, { code: 'SWOOLE_INVALID_OPTION' });
    }
  }
}
