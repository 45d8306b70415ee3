/** Swoole's public constants (same names and values as the PHP extension) and the limits it uses. */

// Process\Pool IPC modes (P4). Any other value behaves as NONE.
export const SWOOLE_IPC_NONE = 0;
export const SWOOLE_IPC_UNIXSOCK = 1;
export const SWOOLE_IPC_MSGQUEUE = 2;
export const SWOOLE_IPC_SOCKET = 3;
export const SWOOLE_IPC_PREEMPTIVE = 3;

// Server modes (S1).
export const SWOOLE_BASE = 1;
export const SWOOLE_PROCESS = 2;
export const SWOOLE_THREAD = 3;

// Socket types (values as in the PHP extension).
export const SWOOLE_SOCK_TCP = 1;
export const SWOOLE_SOCK_TCP6 = 3;
export const SWOOLE_SOCK_UDP = 2;
export const SWOOLE_SOCK_UDP6 = 4;
export const SWOOLE_SOCK_UNIX_STREAM = 5;
export const SWOOLE_SOCK_UNIX_DGRAM = 6;

// Server command process types (S41).
export const SWOOLE_SERVER_COMMAND_MASTER = 2;
export const SWOOLE_SERVER_COMMAND_REACTOR_THREAD = 4;
export const SWOOLE_SERVER_COMMAND_EVENT_WORKER = 8;
export const SWOOLE_SERVER_COMMAND_WORKER = 8;
export const SWOOLE_SERVER_COMMAND_TASK_WORKER = 16;
export const SWOOLE_SERVER_COMMAND_MANAGER = 32;

/** Limits from swoole_config.h (Linux values). */
export const Limits = {
  /** SW_INPUT_BUFFER_SIZE: default max_package_size / package_max_length. */
  INPUT_BUFFER_SIZE: 2 * 1024 * 1024,
  /** SW_BUFFER_MIN_SIZE: package_max_length is raised to at least this at start(). */
  BUFFER_MIN_SIZE: 65536,
  /** sizeof(DataHead): the message-bus header. */
  DATA_HEAD_SIZE: 40,
  /** SW_IPC_MAX_SIZE on Linux. */
  IPC_MAX_SIZE: 8192,
  /** SW_IPC_BUFFER_SIZE = IPC_MAX_SIZE - DATA_HEAD_SIZE: also the largest length/body offset. */
  IPC_BUFFER_SIZE: 8152,
  /** SW_IPC_BUFFER_MAX_SIZE: the message-bus datagram cap. */
  IPC_BUFFER_MAX_SIZE: 65536,
  /** Largest message-bus payload per datagram: 65536 - 40. */
  BUS_CHUNK_PAYLOAD: 65496,
  /** SW_IPC_MSG_MIN - header: the fallback chunk payload after EMSGSIZE/ENOBUFS. */
  BUS_MIN_CHUNK_PAYLOAD: 2008,
  /** SW_MSGMAX: the msgrcv buffer size. */
  MSGMAX: 65536,
  /** SW_DATA_EOF_MAXLEN. */
  EOF_MAX_LEN: 8,
  /** Default package_eof. */
  DEFAULT_EOF: '\r\n\r\n',
  /** SW_WORKER_MAX_WAIT_TIME, seconds. */
  WORKER_MAX_WAIT_TIME: 3,
  /** SW_TASKWAIT_TIMEOUT, seconds. */
  TASKWAIT_TIMEOUT: 0.5,
  /** SW_MAX_CONCURRENT_TASK. */
  MAX_CONCURRENT_TASK: 1024,
} as const;

// Swoole\Process pipe types (the PHP sockets extension's SOCK_* values on Linux; 0 = no pipe).
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
// Swoole\Process::useQueue() modes: BALANCE pops any message, ORIENT only its own type (id + 1).
export const SWOOLE_MSGQUEUE_ORIENT = 1;
export const SWOOLE_MSGQUEUE_BALANCE = 2;
