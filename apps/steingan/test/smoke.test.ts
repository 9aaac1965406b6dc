import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  defaultConfig,
  type Evaluator,
  loadCheckpoint,
  type RunOptions,
  readResults,
  runSeeds,
  runSteingan,
  summarize,
} from '../src/index';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'steingan-test-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A stub evaluator: checks it gets conditional samples of the right shape. */
const stub: Evaluator = async (ctx) => {
  const x = ctx.generate(Int32Array.from([0, 1, 2, 3]), 5);
  const shape = x.shape;
  const v = x.dataSync();
  x.dispose();
  if (shape[0] !== 4 || shape[1] !== 784) throw new Error(`bad sample shape ${shape}`);
  if (!v.every((p) => p >= 0 && p <= 1)) throw new Error('samples outside [0, 1]');
  return { labelAgreement: 0.5, ganTrainAccuracy: 0.25, frechetDistance: 12 };
};

const tiny = (out: string, iterations: number, extra: Partial<RunOptions> = {}): RunOptions => ({
  config: { batch: 8, genHidden: [16], energyHidden: [16], codeDim: 8, seed: 3 },
  iterations,
  out,
  backend: 'wasm',
  gridEvery: 2,
  checkpointEvery: 2,
  progress: false,
  trainLimit: 64,
  evaluator: stub,
  log: () => {},
  ...extra,
});

function logLines(dir: string) {
  return readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('steingan app', () => {
  it('runs 3 iterations: grid PNG, log, checkpoint and metrics', async () => {
    const out = tmp();
    const m = await runSteingan(tiny(out, 3));
    expect(m.iterations).toBe(3);
    expect(m.labelAgreement).toBe(0.5);
    expect(m.backend).toMatch(/^wasm/);
    for (const f of [
      'samples.png',
      'samples-000002.png',
      'log.jsonl',
      'checkpoint.bin',
      'metrics.json',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    const png = PNG.sync.read(readFileSync(join(out, 'samples.png')));
    expect([png.width, png.height]).toEqual([302, 302]);
    const lines = logLines(out);
    expect(lines.map((l) => l.iteration)).toEqual([1, 2, 3]);
    for (const l of lines) {
      expect(Number.isFinite(l.energyData)).toBe(true);
      expect(Number.isFinite(l.energySamples)).toBe(true);
      expect(l.kernel).toMatch(/^rbf\(h=/);
    }
    expect(loadCheckpoint(join(out, 'checkpoint.bin')).iteration).toBe(3);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      iterations: 3,
      labelAgreement: 0.5,
      ganTrainAccuracy: 0.25,
      frechetDistance: 12,
    });
    expect(metrics.seconds).toBeGreaterThan(0);
  });

  it('--resume continues from iteration 3 to exactly the state of an uninterrupted run', async () => {
    const a = tmp();
    const b = tmp();
    await runSteingan(tiny(a, 3));
    const m = await runSteingan(tiny(a, 5, { resume: true }));
    expect(m.iterations).toBe(5);
    await runSteingan(tiny(b, 5));
    expect(logLines(a).map((l) => l.iteration)).toEqual([1, 2, 3, 4, 5]);
    const strip = (l: Record<string, unknown>) => ({ ...l, seconds: 0 });
    expect(logLines(a).map(strip)).toEqual(logLines(b).map(strip));
    const ca = loadCheckpoint(join(a, 'checkpoint.bin'));
    const cb = loadCheckpoint(join(b, 'checkpoint.bin'));
    expect(ca.iteration).toBe(5);
    expect(ca.tensors.map((t) => t.name)).toEqual(cb.tensors.map((t) => t.name));
    expect(ca.tensors.length).toBeGreaterThan(20); // networks + Adam slots
    for (let i = 0; i < ca.tensors.length; i++)
      expect(Array.from(ca.tensors[i].values), ca.tensors[i].name).toEqual(
        Array.from(cb.tensors[i].values),
      );
    const { seconds: _a, ...sa } = ca.scalars;
    const { seconds: _b, ...sb } = cb.scalars;
    expect(sa).toEqual(sb);
    expect(readFileSync(join(a, 'samples.png')).equals(readFileSync(join(b, 'samples.png')))).toBe(
      true,
    );
  });

  it('refuses a corrupt checkpoint with a clear error instead of restarting', async () => {
    const out = tmp();
    await runSteingan(tiny(out, 2, { evaluator: undefined }));
    const path = join(out, 'checkpoint.bin');
    const buf = readFileSync(path);
    buf[buf.length - 5] ^= 0xff; // flip bits in the payload
    writeFileSync(path, buf);
    const err = await runSteingan(tiny(out, 4, { resume: true })).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(String(err.message)).toMatch(
      /checkpoint .*checkpoint\.bin is corrupt \(checksum mismatch\)/,
    );
    writeFileSync(path, buf.subarray(0, 40)); // truncated
    await expect(runSteingan(tiny(out, 4, { resume: true }))).rejects.toThrow(/corrupt/);
    rmSync(path);
    await expect(runSteingan(tiny(out, 4, { resume: true }))).rejects.toThrow(/no checkpoint at/);
  });

  it('refuses to resume with different settings', async () => {
    const out = tmp();
    await runSteingan(tiny(out, 2, { evaluator: undefined }));
    const opts = tiny(out, 4, { resume: true });
    opts.config = { ...opts.config, objective: 'dcgan' };
    await expect(runSteingan(opts)).rejects.toThrow(
      /objective="steingan" but this run has objective="dcgan"/,
    );
  });

  it.each(['dcgan', 'mle-gan'] as const)(
    'trains the same networks with the %s objective',
    async (objective) => {
      const out = tmp();
      const opts = tiny(out, 2, { evaluator: undefined, gridEvery: 0 });
      opts.config = { ...opts.config, objective };
      const m = await runSteingan(opts);
      expect(m.objective).toBe(objective);
      for (const l of logLines(out)) {
        expect(Number.isFinite(l.lossG)).toBe(true);
        expect(Number.isFinite(l.lossD)).toBe(true);
      }
    },
  );

  it.each(['kl-sge', 'kl-ssge'] as const)(
    'trains the same generator with the %s objective (one class per iteration, no discriminator)',
    async (objective) => {
      const out = tmp();
      const opts = tiny(out, 2, { evaluator: undefined, gridEvery: 0 });
      opts.config = { ...opts.config, objective };
      const m = await runSteingan(opts);
      expect(m.objective).toBe(objective);
      for (const l of logLines(out)) {
        expect(l.klClass).toBeGreaterThanOrEqual(0);
        expect(l.scoreGap).toBeGreaterThan(0);
        expect(l.thetaUpdated).toBe(false);
      }
    },
  );

  it('--seeds with --results: one run per seed, result files with every hyperparameter, figures from the first seed', async () => {
    const out = tmp();
    const results = tmp();
    const all = await runSeeds(tiny(out, 2, { gridEvery: 0, resultsDir: results }), [5, 6]);
    expect(all.map((m) => m.seed)).toEqual([5, 6]);
    const files = readdirSync(results).sort();
    expect(files).toEqual([
      'mnist-steingan-lean-interpolation.png',
      'mnist-steingan-lean-seed5.json',
      'mnist-steingan-lean-seed6.json',
      'mnist-steingan-lean.png',
    ]);
    const r = JSON.parse(readFileSync(join(results, 'mnist-steingan-lean-seed6.json'), 'utf8'));
    expect(r).toMatchObject({ seed: 6, iterations: 2, labelAgreement: 0.5, preset: 'lean' });
    expect(Object.keys(r.config).sort()).toEqual(Object.keys(defaultConfig()).sort());
    expect(r.config).toMatchObject({ seed: 6, batch: 8, codeDim: 8, gamma: 0.3, labelWeight: 3 });
    expect(r.machine.cpus).toBeGreaterThan(0);
    expect(existsSync(join(out, 'seed-5', 'interpolation.png'))).toBe(true);
    // the figures are seed 5's (the first seed), not overwritten by seed 6
    const grid = readFileSync(join(results, 'mnist-steingan-lean.png'));
    expect(grid.equals(readFileSync(join(out, 'seed-5', 'samples.png')))).toBe(true);
    expect(grid.equals(readFileSync(join(out, 'seed-6', 'samples.png')))).toBe(false);
    const png = PNG.sync.read(readFileSync(join(results, 'mnist-steingan-lean-interpolation.png')));
    expect([png.width, png.height]).toEqual([302, 302]);
    const [row] = summarize(readResults(results));
    expect(row).toMatchObject({ dataset: 'mnist', objective: 'steingan', seeds: [5, 6] });
    expect(row.labelAgreement).toEqual([0.5, 0, 2]);
    await expect(runSeeds(tiny(out, 1), [])).rejects.toThrow(/seeds: expected a non-empty list/);
  });

  // Opt-in (STEINGAN_SLOW=1): one paper-preset iteration (batch 4, exact repulsion) takes minutes on the shared 2-core machine.
  it.skipIf(!process.env.STEINGAN_SLOW)(
    'runs the paper architecture (conv generator and conv autoencoder energy)',
    async () => {
      const out = tmp();
      const opts = tiny(out, 1, { evaluator: undefined, gridEvery: 0 });
      opts.config = { batch: 4, seed: 3, preset: 'paper', codeDim: 32 };
      const m = await runSteingan(opts);
      expect(m.arch).toBe('paper');
      const [l] = logLines(out);
      expect(Number.isFinite(l.energyData) && Number.isFinite(l.energySamples)).toBe(true);
      const names = loadCheckpoint(join(out, 'checkpoint.bin')).tensors.map((t) => t.name);
      expect(names).toContain('generator/deconv2/W');
      expect(names).toContain('generator/bn3/movingMean');
      expect(names).toContain('energy/conv2/W');
    },
    1_800_000,
  );
});
