import { activeSlices } from '@steinkit/stein-estimators';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createModel, setupIcaProblem } from '../src/protocol';
import { createTrainer, MAXSKSD_VARIANTS } from '../src/trainers';

/**
 * `--variant active`: maxSKSD-g started from the active slices (Gong et al.
 * 2021) of the first batch instead of r = g = I. Wiring only (no experiment):
 * r is exactly the active r of that batch under the initial model (maxSKSD-g
 * does not move r), g starts at the active g and has taken one Adam step.
 */
describe('maxSKSD with active slices (--variant active)', () => {
  it('starts from activeSlices of the first batch; r stays, g takes one ascent step', () => {
    const problem = setupIcaProblem(4, 3, { nTrain: 64, nTest: 16 });
    const model = createModel(problem);
    const x = problem.xTrain;
    expect(Object.keys(MAXSKSD_VARIANTS)).toContain('active');
    const want = activeSlices(x, (z: tf.Tensor2D) => model.score(z), 'kernel');
    const wr = want.r.arraySync();
    const wg = want.g.arraySync();
    tf.dispose([want.r, want.g]);
    const before = tf.memory().numTensors;
    const trainer = createTrainer('maxsksd', model, 1, 'active');
    expect(trainer.slices?.()).toBeNull(); // built on the first batch
    trainer.step(x);
    const s = trainer.slices?.();
    expect(s).not.toBeNull();
    const r = s!.r.arraySync();
    const g = s!.g.arraySync();
    r.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(wr[i][j], 4);
      });
    });
    // one Adam step (lr 1e-3) moves each entry of g by ≲ 1e-3
    let moved = 0;
    let offIdentity = 0;
    g.forEach((row, i) => {
      row.forEach((v, j) => {
        moved = Math.max(moved, Math.abs(v - wg[i][j]));
        offIdentity = Math.max(offIdentity, Math.abs(v - (i === j ? 1 : 0)));
      });
    });
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(3e-3);
    expect(offIdentity).toBeGreaterThan(0.1); // not the default start r = g = I
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    problem.dispose();
  });

  it('the default protocol still starts at r = g = I', () => {
    const problem = setupIcaProblem(3, 2, { nTrain: 32, nTest: 8 });
    const model = createModel(problem);
    const trainer = createTrainer('maxsksd', model, 1);
    const r = trainer.slices?.()?.r.arraySync();
    expect(r).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    trainer.dispose();
    model.dispose();
    problem.dispose();
  });
});
