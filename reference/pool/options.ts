/** Process\Pool set() options (P15), validated; unknown keys warn and are ignored. */
import { Limits } from '../constants.ts';
import { ErrorCode } from '../errors.ts';
import { fail } from '../last-error.ts';

export interface PoolOptions {
  max_package_size: number;
  enable_message_bus: boolean;
  max_wait_time: number;
  enable_coroutine: boolean;
  /** Ours: keep one pre-booted standby process so a replacement starts at once. */
  standby: boolean;
  /** Ours: a worker that ends cleanly gives its slot straight to the standby (reference/supervision/handoff.ts). */
  standby_handoff: boolean;
  /** Ours: UNIXSOCK workers start with glibc malloc thresholds that keep freed IPC buffers for reuse (see README). */
  tune_malloc: boolean;
}

export const DEFAULT_POOL_OPTIONS: Readonly<PoolOptions> = Object.freeze({
  max_package_size: Limits.INPUT_BUFFER_SIZE,
  enable_message_bus: false,
  max_wait_time: Limits.WORKER_MAX_WAIT_TIME,
  enable_coroutine: false,
  standby: true,
  standby_handoff: true,
  tune_malloc: true,
});

/** Applies `input` onto `into`; bad values warn (last error 505) and keep the old value, like Swoole. */
export function applyPoolOptions(into: PoolOptions, input: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'max_package_size':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          fail(ErrorCode.INVALID_PARAMS, `max_package_size must be greater than or equal to 0, got ${String(value)}`);
        } else into.max_package_size = Math.min(Math.floor(value), 0xffffffff);
        break;
      case 'max_wait_time':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          fail(ErrorCode.INVALID_PARAMS, `max_wait_time must be a non-negative number, got ${String(value)}`);
        } else into.max_wait_time = value;
        break;
      case 'enable_message_bus':
      case 'enable_coroutine':
      case 'standby':
      case 'standby_handoff':
      case 'tune_malloc':
        into[key] = Boolean(value);
        break;
      default:
        process.emitWarning(`unsupported option [${key}]`, { code: 'SWOOLE_INVALID_OPTION' });
    }
  }
}
