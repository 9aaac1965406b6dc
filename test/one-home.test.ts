import { describe, expect, it } from 'vitest';
import { exportedNames, sharedNames } from './exported-names';

/**
 * One home per concept: a function (or type) is exported by exactly one
 * package; the others import it. Names are read with the TypeScript checker
 * from each package's `src/index.ts`, values and types alike.
 */
describe('one home per concept', () => {
  const exports = exportedNames();

  it('reads every package entry (the check cannot pass vacuously)', () => {
    expect(exports.size).toBeGreaterThanOrEqual(7);
    for (const [pkg, names] of exports) expect(names.length, pkg).toBeGreaterThan(3);
    expect(exports.get('core')).toContain('foldIn');
    expect(exports.get('core')).toContain('SteinOptimizer'); // types are read too
    // subpath entries are read too (`@steinkit/metrics/reference`)
    expect(exports.get('metrics')).toContain('getClassifier');
    expect(exports.get('metrics')).toContain('writeFileAtomic');
  });

  it('no name is exported by more than one package', () => {
    expect(Object.fromEntries(sharedNames(exports))).toEqual({});
  });

  it('sharedNames finds a name two packages export', () => {
    const fake = new Map([
      ['a', ['x', 'y']],
      ['b', ['y', 'z']],
    ]);
    expect(Object.fromEntries(sharedNames(fake))).toEqual({ y: ['a', 'b'] });
  });
});
