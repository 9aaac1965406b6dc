import { assert2D, assertShape } from '@steinkit/core';
import type { Tensor2D } from '@tensorflow/tfjs-core';

/** Validates (x, y?, w?) for a kernel method; returns the resolved y. */
export function checkPair(x: Tensor2D, y?: Tensor2D, w?: Tensor2D): Tensor2D {
  assert2D(x, 'x');
  const yy = y ?? x;
  if (y !== undefined) assert2D(y, 'y', null, x.shape[1]);
  if (w !== undefined) assertShape(w, 'weights', [x.shape[0], yy.shape[0]]);
  return yy;
}

/** Validates a score tensor against its points. */
export function checkScore(x: Tensor2D, s: Tensor2D, name = 'score'): void {
  assertShape(s, name, [x.shape[0], x.shape[1]]);
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
