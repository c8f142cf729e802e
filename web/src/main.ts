// The entry point: theme, who is signed in (`/auth/me`; a 401 shows the login page),
// the frame, the live hub and the router. Pages are loaded on first use.

import './styles/app.css';

import { ApiError, describe, get, setUnauthorizedHandler } from './api/client';
import type { Overview, Principal } from './api/types';
import { hub } from './api/ws';
import { emptyState } from './components/empty';
import { errorLine, h, loading } from './dom';
import { interceptLinks, match, navigate, onNavigate, type Cleanup, type Route } from './router';
import { mountShell, type Shell } from './shell';
import { initTheme } from './theme';

const ROUTES: readonly Route[] = [
  { path: '/map', title: 'Map', nav: 'map', data: true, load: () => import('./pages/map') },
  { path: '/globe', title: 'Globe', nav: 'globe', data: true, load: () => import('./pages/globe') },
  { path: '/live', title: 'Live activity', nav: 'live', load: () => import('./pages/live') },
  { path: '/analytics/:tab', title: 'Analytics', nav: 'analytics', data: true, load: () => import('./pages/analytics/index') },
  { path: '/security', title: 'Security', nav: 'security', load: () => import('./pages/security/index') },
  { path: '/security/:tab', title: 'Security', nav: 'security', load: () => import('./pages/security/index') },
  { path: '/security/alerts/:id', title: 'Alert', nav: 'security', load: () => import('./pages/security/index') },
  { path: '/users', title: 'Users', nav: 'users', data: true, load: () => import('./pages/users') },
  { path: '/users/:id', title: 'User', nav: 'users', load: () => import('./pages/user') },
  { path: '/admin', title: 'Admin', nav: 'admin', admin: true, load: () => import('./pages/admin') },
  { path: '/about', title: 'About', nav: '', load: () => import('./pages/about') },
];

const REDIRECTS: Record<string, string> = { '/': '/map', '/analytics': '/analytics/overview' };

let shell: Shell | null = null;
let me: Principal | null = null;
let cleanup: Cleanup | null = null;
let generation = 0;
let hasData: boolean | null = null;

async function checkData(): Promise<boolean> {
  if (hasData) return true;
  try {
    const o = await get<Overview>('/stats');
    hasData = o.plays > 0;
  } catch {
    // If the overview fails the pages say why; do not hide them behind the empty state.
    hasData = true;
  }
  return hasData;
}

async function render(): Promise<void> {
  const gen = ++generation;
  const app = document.getElementById('app');
  if (!app || !me) return;
  if (!shell) {
    shell = mountShell(app, me, me.name !== 'local');
    interceptLinks(app);
  }
  const redirect = REDIRECTS[location.pathname.replace(/\/+$/, '') || '/'];
  if (redirect) {
    navigate(redirect + location.search, true);
    return;
  }
  const found = match(ROUTES, location.pathname);
  cleanup?.();
  cleanup = null;
  const main = shell.main;
  if (!found) {
    document.title = 'Not found · Cartographus';
    main.replaceChildren(h('section', { class: 'page' }, h('h1', null, 'Not found'), h('p', null, 'There is no page here. ', h('a', { href: '/map', 'data-keep-filter': true }, 'Go to the map'), '.')));
    return;
  }
  const { route, params } = found;
  document.title = `${route.title} · Cartographus`;
  shell.setActive(route.nav);
  if (route.admin && me.role !== 'admin') {
    main.replaceChildren(h('section', { class: 'page' }, h('h1', null, route.title), errorLine('This page is for admins.')));
    return;
  }
  main.replaceChildren(loading());
  if (route.data && !(await checkData())) {
    if (gen !== generation) return;
    main.replaceChildren(
      emptyState(() => {
        hasData = null;
        void render();
      }, me.role === 'admin'),
    );
    return;
  }
  try {
    const page = await route.load();
    if (gen !== generation) return;
    const root = h('div', { class: 'page-root' });
    main.replaceChildren(root);
    const c = await page.mount(root, { params, me });
    if (gen !== generation) {
      c?.();
      return;
    }
    cleanup = c ?? null;
  } catch (e) {
    if (gen !== generation) return;
    main.replaceChildren(h('section', { class: 'page' }, errorLine(`This page failed to load: ${describe(e)}`)));
  }
}

async function start(): Promise<void> {
  initTheme();
  const app = document.getElementById('app');
  if (!app) return;
  if (location.pathname === '/login') {
    const { mountLogin } = await import('./pages/login');
    mountLogin(app);
    return;
  }
  setUnauthorizedHandler(() => {
    hub.stop();
    const next = location.pathname + location.search;
    location.assign(`/login?next=${encodeURIComponent(next)}`);
  });
  try {
    me = await get<Principal>('/auth/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // the handler redirects
    app.replaceChildren(h('main', { class: 'page' }, errorLine(`The server did not answer: ${describe(e)}`)));
    return;
  }
  hub.start();
  // A first play arriving while the empty state shows brings the pages in.
  hub.on('playback', () => {
    if (hasData === false) {
      hasData = null;
      void render();
    }
  });
  onNavigate(() => void render());
  await render();
}

void start();
