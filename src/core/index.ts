/**
 * Health Entropy's math, shared by the Grafana plugins and the engine. Pure: no Grafana, no Node, no clock.
 */
export * from './options';
export * from './window';
export * from './binning';
export * from './shannon';
export * from './permutation';
export * from './create';
export * from './aggregate';
export * from './baseline';
export * from './trend';
export { xlog2x, entropyBits, normalize } from './xlogx';
export * from './pipeline';
export * from './policy';
export * from './decide';
export * from './quorum';
export * from './quorum-history';
export * from './surprisal';
export * from './delta';
export * from './duration';
