// The UI against the real binary running the demo world, in Debian's Chromium: sign in,
// see a live session arrive over the WebSocket, points and a cluster popup on the map,
// hexagons, a filter changing the charts and the URL, every analytics tab, acknowledging
// an alert and its drill-down, an export, the globe, a user page, a phone-sized screen,
// keyboard navigation and both themes. Every page is screenshotted to e2e/screenshots/.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { ADMIN, eventually, login, openPage, shot, startBrowser, startServer, type PageProblems, type Server } from './harness.ts';

let server: Server;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let problems: PageProblems;

/** Console errors that are expected: none (failed requests are checked by status). */
function unexpected(errors: string[]): string[] {
  return errors;
}

async function waitCards(p: Page, ms = 30_000): Promise<{ id: string; state: string; text: string }[]> {
  // Scroll every card into view so the lazy ones load, then wait for them to settle.
  const ids = await p.$$eval('[data-card]', (els) => els.map((e) => e.getAttribute('data-card') ?? ''));
  for (const id of ids) {
    await p.locator(`[data-card="${id}"]`).scrollIntoViewIfNeeded();
    await p.waitForTimeout(50);
  }
  await p.waitForFunction(
    () => [...document.querySelectorAll('[data-card]')].every((c) => ['ready', 'empty', 'error'].includes(c.getAttribute('data-state') ?? '')),
    null,
    { timeout: ms },
  );
  return p.$$eval('[data-card]', (els) =>
    els.map((e) => ({ id: e.getAttribute('data-card') ?? '', state: e.getAttribute('data-state') ?? '', text: (e.textContent ?? '').slice(0, 200) })),
  );
}

describe('the UI on the demo world', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    server = await startServer('demo');
    browser = await startBrowser();
    ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    ({ page, problems } = await openPage(ctx));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens the map (signing in when the server asks)', async () => {
    // `cartographus demo` forces AUTH_MODE=none; the sign-in flow is tested on the
    // `serve` instance below, which runs with AUTH_MODE=jwt.
    const ms = await login(page, server.url, server.authRequired);
    assert.match(new URL(page.url()).pathname, /^\/map/);
    console.log(`demo (auth ${server.authRequired ? 'jwt' : 'none'}): framed in ${ms} ms`);
  });

  it('shows a live session arriving over the WebSocket', async () => {
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? f.payload : '')));
    await page.goto(`${server.url}/live`);
    await page.waitForSelector('.live-list[data-sessions]');
    const initial = new Set(await page.$$eval('.session[data-event]', (els) => els.map((e) => e.getAttribute('data-event'))));
    // The demo's scripted viewers start new streams within the first minutes.
    const fresh = await eventually(
      async () => {
        const ids = await page.$$eval('.session[data-event]', (els) => els.map((e) => e.getAttribute('data-event') ?? ''));
        return ids.find((id) => !initial.has(id)) ?? null;
      },
      240_000,
      'a new live session',
    );
    assert.ok(frames.some((f) => f.includes('"type":"playback"')), 'the new session came with a playback message');
    assert.ok(fresh);
    await shot(page, 'live');
  });

  it('draws points, opens a cluster popup and switches to hexagons', async () => {
    await eventually(
      async () => {
        const r = await page.request.get(`${server.url}/api/v1/stats`);
        return r.ok() && ((await r.json()) as { plays: number }).plays > 0;
      },
      120_000,
      'stored plays',
    );
    const t0 = Date.now();
    await page.goto(`${server.url}/map`);
    await page.waitForSelector('header.top');
    const frameMs = Date.now() - t0;
    await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.places ?? '0') > 0, null, { timeout: 30_000, polling: 'raf' });
    const firstRenderMs = Date.now() - t0;
    const places = Number((await page.getAttribute('#map', 'data-places')) ?? '0');
    console.log(`map: frame in ${frameMs} ms, ${places} places drawn ${firstRenderMs} ms after navigation`);
    assert.ok(frameMs < 2000, `the page frame took ${frameMs} ms`);
    assert.ok(firstRenderMs < 2000, `the first places took ${firstRenderMs} ms`);
    const cluster = await page.waitForSelector('button.cluster', { timeout: 20_000 });
    await cluster.click();
    await page.waitForSelector('.maplibregl-popup .cluster-popup');
    const popup = await page.textContent('.cluster-popup');
    assert.match(popup ?? '', /plays/);
    await shot(page, 'map-cluster-popup');
    await page.click('.cluster-popup button');
    await page.waitForTimeout(800);
    await page.click('[data-mode="hex"]');
    await page.waitForURL(/mode=hex/);
    await eventually(async () => Number((await page.getAttribute('#map', 'data-hexagons')) ?? '0') > 0, 30_000, 'hexagons');
    await page.waitForTimeout(500);
    await shot(page, 'map-hexagons');
    await page.click('[data-mode="heat"]');
    await page.check('#arcs-toggle');
    await page.waitForURL(/arcs=1/);
    await page.waitForTimeout(1000);
    await shot(page, 'map-heatmap-arcs');
    await page.click('[data-mode="points"]');
  });

  it('changes the charts and the URL when a filter changes', async () => {
    await page.goto(`${server.url}/analytics/overview`);
    await page.waitForSelector('[data-stat="plays"]');
    await waitCards(page);
    const before = await page.textContent('[data-stat="plays"] .v');
    await page.click('#filter-toggle');
    await page.waitForSelector('.ms[data-dimension="media_types"]');
    await page.click('.ms[data-dimension="media_types"] summary');
    const boxes = page.locator('.ms[data-dimension="media_types"] input[type=checkbox]');
    assert.ok((await boxes.count()) > 1, 'several media types to choose from');
    await boxes.last().check();
    // Debounced: not in the URL at once, then there.
    assert.doesNotMatch(page.url(), /media_types=/);
    await page.waitForURL(/media_types=/, { timeout: 3000 });
    await page.click('.filter-foot .btn.primary');
    await eventually(async () => (await page.textContent('[data-stat="plays"] .v')) !== before, 15_000, 'the totals to change');
    const cards = await waitCards(page);
    assert.deepEqual(cards.filter((c) => c.state === 'error'), []);
    await shot(page, 'analytics-overview-filtered');
    // Clear the filter again.
    await page.click('#filter-toggle');
    await page.click('.filter-foot .btn:not(.primary)');
    await page.waitForURL((u) => !u.search.includes('media_types'));
    await page.click('.filter-foot .btn.primary');
  });

  for (const tab of ['overview', 'content', 'users', 'quality', 'geography', 'advanced']) {
    it(`renders the analytics ${tab} tab`, async () => {
      await page.goto(`${server.url}/analytics/${tab}`);
      await page.waitForSelector('[data-card]');
      const cards = await waitCards(page, 60_000);
      assert.deepEqual(cards.filter((c) => c.state === 'error'), [], `cards failed on ${tab}`);
      assert.ok(cards.some((c) => c.state === 'ready'), `some card on ${tab} has data`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `analytics-${tab}`);
    });
  }

  it('acknowledges an alert and drills into it', async () => {
    await page.goto(`${server.url}/security`);
    const id = await eventually(
      async () => {
        const b = await page.$('[data-ack]');
        if (b) return b.getAttribute('data-ack');
        await page.reload();
        await page.waitForSelector('#alerts-table tbody tr');
        return null;
      },
      240_000,
      'an open alert',
    );
    assert.ok(id);
    await shot(page, 'security-alerts');
    await page.click(`[data-ack="${id}"]`);
    await page.waitForSelector(`tr[data-alert="${id}"].acked`);
    const acked = await page.request.get(`${server.url}/api/v1/detection/alerts?acknowledged=true`);
    assert.ok(acked.ok());
    const body = (await acked.json()) as { items: { alert_id: string; acknowledged_by: string | null }[] };
    assert.ok(body.items.some((a) => a.alert_id === id && a.acknowledged_by), 'the server kept the acknowledgement');
    await page.goto(`${server.url}/security/alerts/${id}?acknowledged=`);
    await page.waitForSelector('.alert-detail [data-play], .alert-detail .plays li.muted', { timeout: 30_000 });
    await page.waitForTimeout(1000);
    await shot(page, 'security-alert-detail');
    await page.goto(`${server.url}/security/trust`);
    await page.waitForSelector('table tbody tr');
    const ledger = await page.$('table tbody button');
    if (ledger) {
      await ledger.click();
      await page.waitForSelector('.ledger-view :is(.ledger, p)');
    }
    await shot(page, 'security-trust');
    await page.goto(`${server.url}/security/rules`);
    await page.waitForSelector('.rule, .error, .muted');
    await shot(page, 'security-rules');
  });

  it('downloads an export', async () => {
    await page.goto(`${server.url}/admin`);
    await page.waitForSelector('#export-csv');
    await shot(page, 'admin');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const path = await download.path();
    const text = readFileSync(path, 'utf8');
    const lines = text.split(/\r?\n/).filter(Boolean);
    assert.ok(lines.length > 1, 'a header and rows');
    assert.match(lines[0] ?? '', /,/);
  });

  it('shows a user page', async () => {
    await page.goto(`${server.url}/users`);
    await page.waitForSelector('table a[href^="/users/"]');
    await shot(page, 'users');
    await page.click('table a[href^="/users/"]');
    await page.waitForSelector('#user-title');
    await page.waitForSelector('section.panel table');
    await page.waitForTimeout(800);
    await shot(page, 'user');
  });

  it('plays back the last week on the globe', async () => {
    await page.goto(`${server.url}/globe`);
    await eventually(async () => Number((await page.getAttribute('#globe', 'data-plays')) ?? '0') > 0, 60_000, 'plays on the globe');
    await page.waitForTimeout(1500);
    await shot(page, 'globe');
    await page.fill('#time-slider', '500');
    await page.dispatchEvent('#time-slider', 'input');
    await page.waitForTimeout(500);
    assert.equal(await page.isChecked('#globe-all'), false);
    await shot(page, 'globe-slider');
  });

  it('is keyboard navigable and themable', async () => {
    await page.goto(`${server.url}/about`);
    await page.waitForSelector('#about-title');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    await shot(page, 'about');
    await page.click('#theme-toggle');
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    assert.ok(theme === 'light' || theme === 'dark');
    await page.goto(`${server.url}/analytics/overview`);
    await waitCards(page);
    await shot(page, `analytics-overview-${theme}`);
    await page.goto(`${server.url}/map`);
    await eventually(async () => Number((await page.getAttribute('#map', 'data-places')) ?? '0') > 0, 30_000, 'places');
    await page.waitForTimeout(800);
    await shot(page, `map-${theme}`);
    await page.click('#theme-toggle');
  });

  it('fits a phone-sized screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const { page: p, problems: phoneProblems } = await openPage(phone);
      await login(p, server.url, server.authRequired);
      for (const [path, name] of [
        ['/map', 'phone-map'],
        ['/analytics/overview', 'phone-analytics'],
        ['/live', 'phone-live'],
        ['/security', 'phone-security'],
      ] as const) {
        await p.goto(`${server.url}${path}`);
        await p.waitForSelector('header.top');
        await p.waitForTimeout(1500);
        const overflow = await p.evaluate(() => {
          // Nothing may stick out sideways: neither the document nor any card or panel.
          let right = document.documentElement.scrollWidth;
          for (const el of document.querySelectorAll('.panel, .card, .session, .map, .toolbar')) right = Math.max(right, el.getBoundingClientRect().right);
          return right - window.innerWidth;
        });
        assert.ok(overflow <= 1, `${path} sticks out sideways by ${overflow}px`);
        await shot(p, name);
      }
      assert.ok(await p.isVisible('.menu-btn'), 'the menu button replaces the navigation');
      await p.click('.menu-btn');
      await p.waitForSelector('#nav', { state: 'visible' });
      await shot(p, 'phone-menu');
      assert.deepEqual(unexpected(phoneProblems.errors), []);
    } finally {
      await phone.close();
    }
  });

  it('had no console errors or CSP violations', () => {
    assert.deepEqual(unexpected(problems.errors), []);
  });

  it('found every API route the UI calls', () => {
    const missing = [...problems.missing].sort();
    if (missing.length > 0) console.log(`API routes missing on the server: ${missing.join(', ')}`);
    assert.deepEqual(missing, []);
  });
});

describe('the UI on an empty store', { timeout: 5 * 60_000 }, () => {
  let empty: Server;
  let b: Browser;

  before(async () => {
    empty = await startServer('serve');
    b = await startBrowser();
  });

  after(async () => {
    await b?.close();
    await empty?.stop();
  });

  it('asks to sign in, refuses a wrong password, then explains how to get data', async () => {
    assert.ok(empty.authRequired, 'serve runs with AUTH_MODE=jwt');
    const c = await b.newContext({ viewport: { width: 1280, height: 800 } });
    const { page: p, problems: emptyProblems } = await openPage(c);
    await p.goto(`${empty.url}/analytics/overview?days=7`);
    await p.waitForURL(/\/login\?next=/);
    await p.waitForSelector('#username');
    await shot(p, 'login');
    await p.fill('#username', ADMIN.username);
    await p.fill('#password', 'not-the-password');
    await p.click('button[type=submit]');
    await p.waitForSelector('.login-form .error:not([hidden])');
    assert.match((await p.textContent('.login-form .error')) ?? '', /wrong/i);
    await p.fill('#password', ADMIN.password);
    await Promise.all([p.waitForURL(/\/analytics\/overview\?days=7/), p.click('button[type=submit]')]);
    await p.waitForSelector('.empty-state');
    assert.match((await p.textContent('.empty-state')) ?? '', /demo/);
    await shot(p, 'empty-state');
    assert.deepEqual(unexpected(emptyProblems.errors), []);
    await c.close();
  });
});
