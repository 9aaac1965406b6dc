import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  backendOption,
  choiceList,
  intAtLeast,
  integer,
  nonNegativeList,
  positiveInt,
  positiveIntList,
  seedList,
} from '../src/args';

/** Parses `argv` with one option and returns its value, or the error commander reports. */
function parse(flags: string, parser: (v: string) => unknown, argv: string[]) {
  let err = '';
  const p = new Command()
    .exitOverride()
    .configureOutput({
      writeErr: (s) => {
        err += s;
      },
    })
    .option(flags, '', parser);
  try {
    p.parse(argv, { from: 'user' });
    return p.opts();
  } catch {
    return err.trim();
  }
}

describe('the apps’ argument parsers', () => {
  it('parse good values', () => {
    expect(parse('--n <n>', positiveInt('n'), ['--n', '12'])).toEqual({ n: 12 });
    expect(parse('--dims <l>', positiveIntList('dims'), ['--dims', '10, 20'])).toEqual({
      dims: [10, 20],
    });
    expect(parse('--noise <l>', nonNegativeList('noise'), ['--noise', '0,1.5'])).toEqual({
      noise: [0, 1.5],
    });
    expect(
      parse('--m <l>', choiceList('methods', ['ksd', 'lsd'] as const), ['--m', 'lsd,ksd']),
    ).toEqual({ m: ['lsd', 'ksd'] });
    expect(parse('--t <n>', intAtLeast('--t', 100, 'a batch'), ['--t', '100'])).toEqual({ t: 100 });
  });

  it('refuse bad ones with a message naming the flag and the expectation', () => {
    expect(parse('--n <n>', positiveInt('n'), ['--n', '0'])).toMatch(
      /n: expected a positive integer, got '0'/,
    );
    expect(parse('--n <n>', positiveInt('n'), ['--n', '1.5'])).toMatch(/positive integer/);
    expect(parse('--dims <l>', positiveIntList('dims'), ['--dims', '10,x'])).toMatch(
      /dims: expected positive integers, got 'x'/,
    );
    expect(parse('--noise <l>', nonNegativeList('noise'), ['--noise', '-1'])).toMatch(
      /noise: expected numbers ≥ 0, got '-1'/,
    );
    expect(parse('--m <l>', choiceList('methods', ['ksd', 'lsd']), ['--m', 'mmd'])).toMatch(
      /methods: expected some of ksd, lsd, got 'mmd'/,
    );
    expect(parse('--t <n>', intAtLeast('--t', 100, 'a batch'), ['--t', '99'])).toMatch(
      /--t: expected an integer ≥ 100 \(a batch\), got '99'/,
    );
  });

  it('integer ranges and seed lists', () => {
    expect(parse('--b <n>', integer('--b', 2), ['--b', '64'])).toEqual({ b: 64 });
    expect(parse('--b <n>', integer('--b', 2), ['--b', '1'])).toMatch(
      /--b must be an integer ≥ 2, got '1'/,
    );
    expect(parse('--s <n>', integer('--s', 0, 9), ['--s', '10'])).toMatch(
      /--s must be an integer in \[0, 9\], got '10'/,
    );
    expect(parse('--seeds <l>', seedList('--seeds'), ['--seeds', '2, 3,4'])).toEqual({
      seeds: [2, 3, 4],
    });
    for (const bad of ['2,,3', '-1', '1.5', String(2 ** 32)])
      expect(parse('--seeds <l>', seedList('--seeds'), ['--seeds', bad])).toMatch(
        /--seeds must be a comma-separated list of integers in \[0, 2\^32\)/,
      );
    expect(parse('--seeds <l>', seedList('--seeds'), ['--seeds', '2,2'])).toMatch(
      /--seeds must not repeat a seed/,
    );
  });

  it('--backend offers the Node backends', () => {
    const p = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    p.addOption(backendOption());
    expect(p.parse(['--backend', 'wasm'], { from: 'user' }).opts()).toEqual({ backend: 'wasm' });
    expect(() => p.parse(['--backend', 'webgl'], { from: 'user' })).toThrow(
      /Allowed choices are tensorflow, webgpu, wasm, cpu/,
    );
  });
});
