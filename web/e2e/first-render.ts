// Measures the first render of the UI on a large store, in Debian's Chromium: starts
// `cartographus serve` on an existing DuckDB file (read as it is: no sources, no WAL),
// opens /map three times in fresh pages and prints, for each, when the page frame was
// there and when the map had drawn its first places (the time docs/PERFORMANCE.md
// records against the "first page within 2 s with 1M plays" target).
//
//   cargo run --release -p cartographus-store --example generate -- \
//       --plays 1000000 --batch 122880 --out /var/tmp/c1m.duckdb
//   cargo build --release -p cartographus-server --bin cartographus
//   cd web && npx tsx e2e/first-render.ts /var/tmp/c1m.duckdb

import { spawn } from 'node:child_process';

import { binaryPath, freePort, startBrowser } from './harness.ts';

const db = process.argv[2];
if (!db) {
  console.error('usage: npx tsx e2e/first-render.ts STORE.duckdb');
  process.exit(2);
}
const port = await freePort();
const child = spawn(binaryPath(), ['serve'], {
  env: {
    ...process.env,
    HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    DUCKDB_PATH: db,
    WAL_ENABLED: 'false',
    AUTH_MODE: 'none',
    RUST_LOG: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
try {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('the server did not answer within 120 s');
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stats = (await (await fetch(`${url}/api/v1/stats`)).json()) as { plays: number };
  console.log(`store: ${stats.plays} plays`);
  const browser = await startBrowser();
  try {
    for (let run = 1; run <= 3; run++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      const t0 = Date.now();
      await page.goto(`${url}/map`);
      await page.waitForSelector('header.top');
      const frame = Date.now() - t0;
      await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.places ?? '0') > 0, null, {
        timeout: 60_000,
        polling: 'raf',
      });
      const drawn = Date.now() - t0;
      const places = await page.getAttribute('#map', 'data-places');
      console.log(`run ${run}: frame ${frame} ms, ${places} places drawn ${drawn} ms after navigation`);
      await context.close();
    }
  } finally {
    await browser.close();
  }
} finally {
  child.kill('SIGTERM');
}
