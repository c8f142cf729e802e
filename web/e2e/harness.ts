// End-to-end harness: starts the real `cartographus` binary (demo mode by default) on a
// free port with a fresh database, waits for `/api/v1/health`, and launches Debian's
// Chromium through playwright-core (never a downloaded browser). Screenshots go to
// e2e/screenshots/ (git-ignored).
//
// Environment:
//   CARGO_TARGET_DIR   where the release binary is (default /var/tmp/cartographus-target)
//   CARTOGRAPHUS_BIN   the binary itself (overrides the above)
//   CHROMIUM           the browser (default /usr/bin/chromium)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where screenshots are written. */
export const SHOTS = join(HERE, 'screenshots');

/** The admin account the tests sign in with. */
export const ADMIN = { username: 'e2e-admin', password: 'e2e-password-0123456789' };

/** Chromium's flags: headless, sandbox-free (containers), no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The binary under test. */
export function binaryPath(): string {
  if (process.env.CARTOGRAPHUS_BIN) return process.env.CARTOGRAPHUS_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? '/var/tmp/cartographus-target';
  return join(target, 'release', 'cartographus');
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A running server. */
export interface Server {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Everything the process printed (for failure messages). */
  log: () => string;
  /** Whether the API asks for credentials (`cartographus demo` always runs with AUTH_MODE=none). */
  authRequired: boolean;
  /** Stops the process and removes its data. */
  stop: () => Promise<void>;
}

/** Starts `cartographus <command>` (`demo` or `serve`) and waits until it answers. */
export async function startServer(command: 'demo' | 'serve', timeoutMs = 180_000): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cartographus-e2e-'));
  let output = '';
  const child: ChildProcess = spawn(binaryPath(), [command], {
    cwd: dir,
    env: {
      ...process.env,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      DUCKDB_PATH: join(dir, 'c.duckdb'),
      BACKUP_DIR: join(dir, 'backups'),
      WAL_PATH: join(dir, 'c.wal'),
      AUTH_MODE: 'jwt',
      JWT_SECRET: 'e2e-secret-that-is-long-enough-0123456789',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let up = false;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/api/v1/health`);
      if (r.ok) {
        up = true;
        break;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!up) {
    await stop();
    throw new Error(`cartographus ${command} did not answer on ${url} within ${timeoutMs} ms:\n${output.slice(-4000)}`);
  }
  const me = await fetch(`${url}/api/v1/auth/me`);
  return { url, log: () => output, stop, authRequired: me.status === 401 };
}

/** A browser with one context per viewport. */
export async function startBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/** Problems the page reported: console errors, CSP violations, uncaught exceptions. */
export interface PageProblems {
  errors: string[];
  /** API requests the server answered 404 (a route the UI uses that does not exist). */
  missing: Set<string>;
}

/** Opens a page that records its problems. */
export async function openPage(ctx: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await ctx.newPage();
  const problems: PageProblems = { errors: [], missing: new Set() };
  page.on('console', (m) => {
    // Failed requests are checked through their responses below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const u = new URL(r.url());
    // A 404 on a route with an id (an alert's play not stored yet) is an answer, not a gap.
    if (r.status() === 404 && u.pathname.startsWith('/api/v1/') && !/\/[0-9a-f-]{36}$/.test(u.pathname)) {
      problems.missing.add(`${r.request().method()} ${u.pathname}`);
    }
  });
  page.on('pageerror', (e) => problems.errors.push(`exception: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { page, problems };
}

/** Saves a full-page screenshot as `name.png`. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** Signs in through the login page (when the server asks for it) and waits for the app frame. */
export async function login(page: Page, base: string, required = true): Promise<number> {
  if (!required) {
    const t0 = Date.now();
    await page.goto(`${base}/map`);
    await page.waitForSelector('header.top');
    return Date.now() - t0;
  }
  await page.goto(`${base}/login`);
  await page.fill('#username', ADMIN.username);
  await page.fill('#password', ADMIN.password);
  const t0 = Date.now();
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  await page.waitForSelector('header.top');
  return Date.now() - t0;
}

/** Polls `f` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(f: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}
