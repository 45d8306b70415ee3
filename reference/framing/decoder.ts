import type { FramingError } from '../errors.ts';

/** Receives each whole frame as soon as it is complete. The Buffer may be a view into the chunk. */
export type FrameSink = (frame: Buffer) => void;

/**
 * A streaming decoder: feed bytes as they arrive, get whole frames out, or a protocol error
 * meaning "close the connection now". Pure: no sockets, no timers, no logging.
 *
 * Contract shared by every codec in this folder:
 * - `push` never throws on any input bytes and never loops without consuming input.
 * - Once `push` returned an error the decoder is dead: later pushes return the same error and
 *   emit nothing.
 * - `bufferedBytes` is what the decoder holds for an incomplete frame.
 * - `end()` is the peer closing: it returns INCOMPLETE_FRAME (8806) when a partial frame is
 *   buffered (the partial frame is dropped, never delivered), otherwise null.
 */
export interface StreamDecoder {
  push(chunk: Buffer, sink: FrameSink): FramingError | null;
  end(): FramingError | null;
  readonly bufferedBytes: number;
}

export interface DecodeOutcome {
  frames: Buffer[];
  error: FramingError | null;
}

/** Feed a whole chunk list through a decoder and collect the outcome (copies each frame). */
export function decodeAll(decoder: StreamDecoder, chunks: Iterable<Buffer>, atEnd = false): DecodeOutcome {
  const frames: Buffer[] = [];
  const sink: FrameSink = (frame) => frames.push(Buffer.from(frame));
  let error: FramingError | null = null;
  for (const chunk of chunks) {
    error = decoder.push(chunk, sink);
    if (error) return { frames, error };
  }
  if (atEnd) error = decoder.end();
  return { frames, error };
}
