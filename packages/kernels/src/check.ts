import { assertFloat, assertPoints, assertShape } from '@steinkit/core';
import type { Tensor2D } from '@tensorflow/tfjs-core';

/**
 * Validates (x, y?, w?) for a kernel method: float32 `[n, d]` points with
 * d ≥ 1 (int32/bool tensors are a TypeError, not silently cast), y `[m, d]`,
 * weights `[n, m]`; returns the resolved y.
 */
export function checkPair(x: Tensor2D, y?: Tensor2D, w?: Tensor2D): Tensor2D {
  assertPoints(x, 'x');
  const yy = y ?? x;
  if (y !== undefined) assertPoints(y, 'y', { d: x.shape[1] });
  if (w !== undefined) {
    assertShape(w, 'weights', [x.shape[0], yy.shape[0]]);
    assertFloat(w, 'weights');
  }
  return yy;
}

/** Validates a score tensor against its points. */
export function checkScore(x: Tensor2D, s: Tensor2D, name = 'score'): void {
  assertShape(s, name, [x.shape[0], x.shape[1]]);
  assertFloat(s, name);
}

/** Validates steinMatrix's (x, sx, y?, sy?): y and sy come together; returns the resolved (y, sy). */
export function checkSteinArgs(
  x: Tensor2D,
  sx: Tensor2D,
  y?: Tensor2D,
  sy?: Tensor2D,
): { yy: Tensor2D; syy: Tensor2D } {
  if ((y === undefined) !== (sy === undefined)) {
    throw new TypeError('steinMatrix: pass both y and sy, or neither');
  }
  const yy = checkPair(x, y);
  checkScore(x, sx, 'sx');
  if (sy) checkScore(yy, sy, 'sy');
  return { yy, syy: sy ?? sx };
}
