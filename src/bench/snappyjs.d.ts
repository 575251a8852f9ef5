/** snappyjs ships no types; the one function the benchmark uses (snappy block format, as remote write). */
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
}
