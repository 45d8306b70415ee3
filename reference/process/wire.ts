/**
 * What a Process child learns from its parent: one environment variable (JSON) and a fixed fd
 * layout. Pure encode/decode; the child deletes the variable once read so programs it starts
 * do not take themselves for Process children.
 */
export const ENV_PROCESS = 'SWOOLE_REF_PROCESS_CHILD';

/** fd 3: the start handshake (child → parent, closed once the callback runs). */
export const STATUS_FD = 3;
/** fd 4: the child's end of the pipe (also dup'ed onto 0-2 with redirect_stdin_stdout). */
export const PIPE_FD = 4;

/** Handshake bytes: READY, or FAILED followed by a one-line reason. */
export const READY = 'R';
export const FAILED = 'E';

export interface ChildQueue {
  id: number;
  key: number;
  mode: number;
  nowait: boolean;
}

export interface ChildSpec {
  /** Construction index of the Process this child runs. */
  index: number;
  /** 0 none, 1 stream, 2 datagram (after redirect forced stream). */
  pipeType: number;
  redirect: boolean;
  enableCoroutine: boolean;
  parentPid: number;
  /** Parent-death signal to arm (0: none). */
  pdeathsig: number;
  queue: ChildQueue | null;
}

export function encodeChildSpec(spec: ChildSpec): string {
  return JSON.stringify(spec);
}

const isInt = (v: unknown): v is number => Number.isInteger(v);

/** The spec, or a reason it is unusable (a corrupted or foreign variable). */
export function decodeChildSpec(text: string): ChildSpec | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return `${ENV_PROCESS} is not JSON`;
  }
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) return `${ENV_PROCESS} is not an object`;
  if (!isInt(o.index) || o.index < 0) return 'bad index';
  if (!isInt(o.pipeType) || ![0, 1, 2].includes(o.pipeType)) return 'bad pipeType';
  if (typeof o.redirect !== 'boolean' || typeof o.enableCoroutine !== 'boolean') return 'bad flags';
  if (!isInt(o.parentPid) || o.parentPid <= 0) return 'bad parentPid';
  if (!isInt(o.pdeathsig) || o.pdeathsig < 0) return 'bad pdeathsig';
  let queue: ChildQueue | null = null;
  if (o.queue !== null) {
    const q = o.queue as Record<string, unknown>;
    if (typeof q !== 'object' || !isInt(q.id) || !isInt(q.key) || !isInt(q.mode) || typeof q.nowait !== 'boolean') return 'bad queue';
    queue = { id: q.id, key: q.key, mode: q.mode, nowait: q.nowait };
  }
  return { index: o.index, pipeType: o.pipeType, redirect: o.redirect, enableCoroutine: o.enableCoroutine, parentPid: o.parentPid, pdeathsig: o.pdeathsig, queue };
}
