import cliProgress from 'cli-progress';

export interface ProgressValues {
  energyData: number;
  energySamples: number;
}

export interface Progress {
  update(iteration: number, v: ProgressValues): void;
  stop(): void;
}

/** cli-progress bar: iteration, its/s, ETA, data vs sample energy. */
export function createProgress(total: number, start: number, enabled: boolean): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format:
        'steingan [{bar}] {value}/{total} | {its} it/s | ETA {eta_formatted} | E(data) {ed} vs E(samples) {es}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  bar.start(total, start, { its: '0.0', ed: '-', es: '-' });
  return {
    update(iteration, v) {
      const secs = (Date.now() - t0) / 1000;
      bar.update(iteration, {
        its: secs > 0 ? ((iteration - start) / secs).toFixed(1) : '0.0',
        ed: v.energyData.toFixed(3),
        es: v.energySamples.toFixed(3),
      });
    },
    stop: () => bar.stop(),
  };
}
