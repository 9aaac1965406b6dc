/**
 * Side-effect import: the `@tensorflow/tfjs` umbrella registers every gradient
 * and chained op on the shared `@tensorflow/tfjs-core` engine (tfjs-core alone
 * registers none, and its deep imports cannot be loaded by Node's ESM loader).
 */
import '@tensorflow/tfjs';
