/**
 * The one error table. Every error the reference raises or returns carries a numeric `code`
 * from here. Swoole's own numbers are used where Swoole has one (include/swoole_error.h); the
 * 88xx range is ours, for conditions Swoole reports only as PHP warnings/fatals or not at all.
 * Tests match on `code`, never on message text.
 */

export const ErrorCode = {
  // Common (Swoole)
  SYSTEM_CALL_FAIL: 502,
  PHP_FATAL_ERROR: 503,
  INVALID_PARAMS: 505,
  QUEUE_FULL: 506,
  OPERATION_NOT_SUPPORT: 507,
  WRONG_OPERATION: 509,
  NO_PAYLOAD: 550,
  // Session (Swoole)
  SESSION_CLOSED_BY_SERVER: 1001,
  SESSION_CLOSED_BY_CLIENT: 1002,
  SESSION_CLOSING: 1003,
  SESSION_CLOSED: 1004,
  SESSION_NOT_EXIST: 1005,
  SESSION_INVALID_ID: 1006,
  SESSION_DISCARD_TIMEOUT_DATA: 1007,
  SESSION_DISCARD_DATA: 1008,
  OUTPUT_BUFFER_OVERFLOW: 1009,
  OUTPUT_SEND_YIELD: 1010,
  // Packet (Swoole)
  PACKAGE_LENGTH_TOO_LARGE: 1201,
  PACKAGE_LENGTH_NOT_FOUND: 1202,
  DATA_LENGTH_TOO_LARGE: 1203,
  PACKAGE_MALFORMED_DATA: 1204,
  // Task (Swoole)
  TASK_PACKAGE_TOO_BIG: 2001,
  TASK_DISPATCH_FAIL: 2002,
  TASK_TIMEOUT: 2003,
  // Server (Swoole)
  SERVER_MUST_CREATED_BEFORE_CLIENT: 9001,
  SERVER_TOO_MANY_SOCKET: 9002,
  SERVER_WORKER_TERMINATED: 9003,
  SERVER_INVALID_LISTEN_PORT: 9004,
  SERVER_TOO_MANY_LISTEN_PORT: 9005,
  SERVER_PIPE_BUFFER_FULL: 9006,
  SERVER_NO_IDLE_WORKER: 9007,
  SERVER_ONLY_START_ONE: 9008,
  SERVER_SEND_IN_MASTER: 9009,
  SERVER_INVALID_REQUEST: 9010,
  SERVER_CONNECT_FAIL: 9011,
  SERVER_INVALID_COMMAND: 9012,
  SERVER_IS_NOT_REGULAR_FILE: 9013,
  SERVER_SEND_TO_WOKER_TIMEOUT: 9014,
  SERVER_INVALID_CALLBACK: 9015,
  SERVER_UNRELATED_THREAD: 9016,
  // Worker (Swoole)
  WORKER_EXIT_TIMEOUT: 9101,
  WORKER_ABNORMAL_PIPE_DATA: 9102,
  WORKER_UNPROCESSED_DATA: 9103,
  // Ours (88xx): configuration and framing conditions Swoole raises as fatals/warnings.
  INVALID_OPTION: 8801,
  UNKNOWN_EVENT: 8802,
  INVALID_LENGTH_TYPE: 8803,
  INVALID_OFFSET: 8804,
  INVALID_EOF: 8805,
  INCOMPLETE_FRAME: 8806,
  NATIVE_UNAVAILABLE: 8808,
  INVALID_WORKER_SETUP: 8809,
} as const;

export type ErrorName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorName];

const namesByCode = new Map<number, ErrorName>(
  (Object.entries(ErrorCode) as [ErrorName, number][]).map(([name, code]) => [code, name]),
);

/** Stable name for a numeric code, or undefined when the code is not in the table. */
export function errorName(code: number): ErrorName | undefined {
  return namesByCode.get(code);
}

const BRAND = Symbol.for('swoole-conformance.SwooleError');

/**
 * Thrown where Swoole throws (Swoole\Exception, Error, TypeError-like misuse) and carried as
 * the last error where Swoole answers false. `instanceof` works across copies of this package
 * through the Symbol.for brand.
 */
export class SwooleError extends Error {
  readonly code: ErrorCodeValue;
  readonly codeName: ErrorName;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SwooleError';
    this.code = code;
    this.codeName = errorName(code) ?? 'INVALID_PARAMS';
  }

  get [BRAND](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** A protocol error as a value: the decoder's verdict "close this connection now". */
export interface FramingError {
  readonly code: ErrorCodeValue;
  readonly name: ErrorName;
  /** Human-readable detail; never matched on. */
  readonly detail: string;
}

export function framingError(code: ErrorCodeValue, detail: string): FramingError {
  return Object.freeze({ code, name: errorName(code) ?? 'INVALID_PARAMS', detail });
}
