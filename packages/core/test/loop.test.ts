import { describe, expect, it } from 'vitest';
import { runLoop } from '../src/index';

/** A counting stepper: state n → n + 1, info = the new n. */
const step = (n: number) => ({ state: n + 1, info: n + 1 });

describe('runLoop: the loop of the stepper convention', () => {
  it('runs `steps` steps synchronously; onStep sees each info and false stops early', () => {
    const seen: number[] = [];
    expect(runLoop({ state: 0, steps: 5, step, onStep: (i) => void seen.push(i) })).toBe(5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(runLoop({ state: 0, steps: 5, step, onStep: (i) => i < 3 })).toBe(3);
    expect(runLoop({ state: 7, steps: 0, step })).toBe(7);
  });

  it('a step returning undefined ends the loop (batches ran out)', () => {
    expect(
      runLoop({
        state: 0,
        steps: Number.POSITIVE_INFINITY,
        step: (n) => (n < 4 ? step(n) : undefined),
      }),
    ).toBe(4);
  });

  it('an async onStep makes it a Promise, awaited every step, and false still stops', async () => {
    const order: string[] = [];
    const out = runLoop({
      state: 0,
      steps: 10,
      step: (n) => {
        order.push(`step ${n + 1}`);
        return step(n);
      },
      onStep: async (i) => {
        await new Promise((r) => setTimeout(r, 1));
        order.push(`onStep ${i}`);
        return i < 3;
      },
    });
    expect(out).toBeInstanceOf(Promise);
    expect(await out).toBe(3);
    expect(order).toEqual(['step 1', 'onStep 1', 'step 2', 'onStep 2', 'step 3', 'onStep 3']);
  });

  it('a throwing step propagates (sync and async)', async () => {
    const bad = (n: number) => {
      if (n === 2) throw new RangeError('boom at 3');
      return step(n);
    };
    expect(() => runLoop({ state: 0, steps: 5, step: bad })).toThrow(/boom at 3/);
    await expect(
      runLoop({ state: 0, steps: 5, step: bad, onStep: async () => {} }),
    ).rejects.toThrow(/boom at 3/);
  });
});
