/**
 * Differential entropy stream (issue 6): send only what changed, rebuild the full profile on the other side.
 */
export * from './frame';
export * from './encoder';
export * from './decoder';
export { encodeText, decodeText, peekText, decimalsFor } from './text';
export type { FrameHeader } from './text';
export { encodeBinary, decodeBinary, peekBinary, BINARY_VERSION } from './binary';
export { FrameError, zigzag, unzigzag, ByteReader, ByteWriter, MAX_VARINT, MAX_ZIGZAG } from './varint';
export { formatSseEvent, SseParser, SSE_HEARTBEAT, DEFAULT_MAX_SSE_EVENT_CHARS } from './sse';
export type { SseEvent } from './sse';
