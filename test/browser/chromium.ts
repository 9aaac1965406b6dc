/**
 * Headless Chromium from the system (Debian's `chromium`, never a downloaded
 * browser) driven by playwright-core, and a static file server on 127.0.0.1
 * (sirv) — shared by the browser tests.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import sirv from 'sirv';

export const CHROMIUM = process.env.STEINKIT_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that expose WebGL2 and a WebGPU adapter on SwiftShader in headless Chromium. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  // 2-D canvases rasterized by Skia on the CPU: on SwiftShader's GL (no GPU) the
  // accelerated 2-D canvas held the page to ≈ 1 frame/s; WebGL and WebGPU are unaffected.
  '--disable-accelerated-2d-canvas',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (!existsSync(CHROMIUM))
    return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set STEINKIT_CHROMIUM)`;
  return undefined;
}

/** Prints the reason once, so a skipped browser test says why in the log. */
export function reportSkip(suite: string): boolean {
  const why = chromiumMissing();
  if (why) console.warn(`[${suite}] browser tests skipped: ${why}`);
  return Boolean(why);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1 at a free port. */
export async function serveStatic(dir: string): Promise<StaticServer> {
  const handler = sirv(dir, { dev: true, etag: false });
  const server: Server = createServer((req, res) =>
    handler(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Console errors, warnings and page errors of a page, collected as they come. */
export function collectProblems(page: Page): { errors: string[]; logs: string[] } {
  const errors: string[] = [];
  const logs: string[] = [];
  page.on('console', (m) => {
    const line = `${m.type()}: ${m.text()}`;
    if (m.type() === 'error') errors.push(line);
    else logs.push(line);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.stack ?? e.message}`));
  return { errors, logs };
}
