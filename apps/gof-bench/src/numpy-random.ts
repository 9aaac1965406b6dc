import { assertInt } from '@steinkit/core';

/**
 * NumPy's legacy `np.random.seed(s)` stream (MT19937, `RandomState`), just the
 * three draws the reference RBM script makes: `randn` (the polar Box–Muller
 * of `legacy_gauss`, pairs cached), `choice([-1, 1])` (`randint(0, 2)`: one
 * 32-bit word masked to its lowest bit per value) and the 53-bit doubles
 * behind them. With seed 2 it reproduces the script's b, c, B and
 * perturbation direction bit for bit (checked against NumPy 1.24 in the
 * tests), so the benchmark tests the same RBM as the published curves.
 */
export class NumpyLegacyRandom {
  private readonly mt = new Uint32Array(624);
  private mti = 624;
  private gauss: number | null = null;

  constructor(seed: number) {
    assertInt(seed, 'seed', 0, 2 ** 32 - 1);
    // init_genrand (NumPy's mt19937_seed for an integer seed)
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32-bit word (genrand_int32). */
  uint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = (mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
      }
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** U[0, 1) with 53 random bits (random_double). */
  double(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** N(0, 1) as `np.random.randn` (legacy polar method). */
  randn(): number {
    if (this.gauss !== null) {
      const g = this.gauss;
      this.gauss = null;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.double() - 1;
      x2 = 2 * this.double() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    return f * x2;
  }

  /** `np.random.choice([-1, 1])`: −1 or +1 from the lowest bit of one word. */
  sign(): number {
    return this.uint32() & 1 ? 1 : -1;
  }
}
