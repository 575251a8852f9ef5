// snappyjs ships no types; the two functions the engine uses.
declare module 'snappyjs' {
  export function uncompress(compressed: Buffer, maxLength?: number): Buffer;
  export function compress(uncompressed: Buffer): Buffer;
}
