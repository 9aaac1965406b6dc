import { chromium } from 'playwright-core';
import { serveStatic, CHROMIUM_ARGS } from '/work/wt/playground/test/browser/chromium.ts';
const server = await serveStatic('/work/wt/playground/apps/playground/dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
for (const backend of process.argv[2].split(',')) {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(backend, 'console', m.type(), m.text().slice(0, 300)));
  page.on('pageerror', (e) => console.log(backend, 'pageerror', e.message));
  const t0 = Date.now();
  await page.goto(`${server.url}?backend=${backend}&n=100&seed=1`, { timeout: 300000 });
  console.log(backend, 'loaded', Date.now() - t0);
  for (let i = 0; i < 12; i++) {
    await page.waitForTimeout(10000);
    console.log(backend, Date.now() - t0, JSON.stringify(await page.evaluate(() => ({ ...document.getElementById('readout')!.dataset, st: document.getElementById('backend-status')!.textContent }))));
  }
  await page.close();
}
await browser.close(); await server.close();
