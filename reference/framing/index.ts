export { decodeAll, type DecodeOutcome, type FrameSink, type StreamDecoder } from './decoder.ts';
export { PoolFrameDecoder, encodePoolFrame, type PoolFrameOptions } from './pool-frame.ts';
export { LENGTH_TYPES, lengthTypeOf, type LengthType, type LengthTypeCode } from './length-types.ts';
export { LengthDecoder, resolveLengthOptions, effectiveMaxLength, type LengthConfig, type LengthFunc } from './length.ts';
export { EofDecoder, resolveEofOptions, selectProtocol, type EofConfig } from './eof.ts';
export { deliverDatagram } from './unixsock.ts';
export { BusFlag, BusReassembler, DATA_HEAD_SIZE, decodeDataHead, encodeDataHead, encodeBusMessage, type BusResult, type DataHead } from './message-bus.ts';
