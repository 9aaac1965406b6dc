/**
 * Small dense float64 linear algebra for the d×d matrices that synthetic sets
 * need: the shared implementations live in `@steinkit/core` (Jacobi symmetric
 * eigendecomposition, one-sided Jacobi singular values, LU inverse); they are
 * re-exported here under this package's historical names.
 */
export type { SymmetricEigen } from '@steinkit/core';
export {
  conditionNumber,
  invert,
  matmul,
  singularValues,
  symmetricEigen,
} from '@steinkit/core';
