// Times one training iteration (model step + one slice/critic step) per method and D.
// Usage: tsx src/bench.ts [--dims 10,100,200] [--methods maxsksd] [--reps 20] [--backend wasm]
import { createRng, initBackend } from '@steinkit/core';
import { createIcaModel } from '@steinkit/energy-models';
import * as tf from '@tensorflow/tfjs-core';
import { createTrainer, type Method } from './trainers';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const info = await initBackend({ backend: arg('backend', process.env.STEINKIT_BACKEND ?? 'wasm') });
const dims = arg('dims', '10,100,200').split(',').map(Number);
const methods = arg('methods', 'maxsksd').split(',') as Method[];
const reps = Number(arg('reps', '20'));
console.log(`backend ${info.name} simd=${info.simd} threads=${info.threads}`);
for (const method of methods)
  for (const D of dims) {
    const rng = createRng(1);
    const init = rng.normal([D, D], 0, 1 / Math.sqrt(D)) as tf.Tensor2D;
    const model = createIcaModel({ dim: D, unmixing: init });
    const trainer = createTrainer(method, model, 1);
    const x = rng.laplace([100, D]) as tf.Tensor2D;
    for (let i = 0; i < Math.max(10, reps / 2); i++) trainer.step(x); // warm-up (JIT, kernels)
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) trainer.step(x);
    model.unmixing.dataSync();
    const ms = (performance.now() - t0) / reps;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000 / reps;
    console.log(
      `${method} D=${D} batch=100: wall ${ms.toFixed(1)} ms, cpu ${cpu.toFixed(1)} ms per iteration (${reps} reps)`,
    );
    trainer.dispose();
    model.dispose();
    tf.dispose([init, x]);
  }
