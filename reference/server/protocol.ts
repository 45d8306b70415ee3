/**
 * How a stream port turns bytes into onReceive calls. The reactor drives a StreamDecoder
 * (reference/framing/decoder.ts) chosen per port from its settings; without framing options
 * every read is one onReceive, as in Swoole.
 */
import type { StreamDecoder } from '../framing/decoder.ts';
import { EofDecoder, resolveEofOptions } from '../framing/eof.ts';
import { LengthDecoder, resolveLengthOptions } from '../framing/length.ts';

/** Builds the decoder for one connection from its port's effective settings; null = unframed. */
export type DecoderFactory = (portSettings: Readonly<Record<string, unknown>>) => StreamDecoder | null;

/** L15/E1: the settings that ask for framing (EOF wins over length when both are on). */
export function wantsFraming(portSettings: Readonly<Record<string, unknown>>): boolean {
  return portSettings.open_length_check === true || portSettings.open_eof_check === true || portSettings.open_eof_split === true;
}

/** The default factory: the reference decoders, EOF winning over the length check (L15). */
export const referenceDecoders: DecoderFactory = (ps) => {
  const options = ps as Record<string, unknown>;
  if (options.open_eof_check === true || options.open_eof_split === true) return new EofDecoder(resolveEofOptions(options));
  if (options.open_length_check === true) return new LengthDecoder(resolveLengthOptions(options));
  return null;
};
