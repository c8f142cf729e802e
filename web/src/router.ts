// A small history-API router. Each route names a page module that is loaded on first
// use (so the map, the globe and the charts are separate chunks), the role it needs and
// whether it shows stored plays (then an empty store shows the empty state instead).

import type { Principal } from './api/types';
import { filterQuery, filters } from './state/filters';

/** What a page gets when it is mounted. */
export interface PageContext {
  /** Path parameters (`:id` …). */
  params: Record<string, string>;
  /** The signed-in user. */
  me: Principal;
}

/** Undoes what a page set up (listeners, timers, maps). */
export type Cleanup = () => void;

/** A page module. */
export interface PageModule {
  mount(root: HTMLElement, ctx: PageContext): Cleanup | void | Promise<Cleanup | void>;
}

/** One route. */
export interface Route {
  /** Pattern like `/users/:id`. */
  path: string;
  /** Window title. */
  title: string;
  /** The nav entry it highlights. */
  nav: string;
  /** Loads the page. */
  load: () => Promise<PageModule>;
  /** Shows stored plays (an empty store shows the empty state). */
  data?: boolean;
  /** Admin only. */
  admin?: boolean;
}

/** A matched route. */
export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** Matches `pathname` against the routes. */
export function match(routes: readonly Route[], pathname: string): Match | null {
  const parts = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  for (const route of routes) {
    const pat = route.path.split('/').filter(Boolean);
    if (pat.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pat.length; i++) {
      const p = pat[i] ?? '';
      const v = parts[i] ?? '';
      if (p.startsWith(':')) {
        params[p.slice(1)] = decodeURIComponent(v);
      } else if (p !== v) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params };
  }
  return null;
}

type NavigateListener = () => void;
const listeners = new Set<NavigateListener>();

/** Goes to `url` (a path with optional query) without reloading. */
export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  filters.syncFromUrl();
  for (const l of listeners) l();
}

/** Calls `l` after every navigation (links, back/forward). */
export function onNavigate(l: NavigateListener): void {
  listeners.add(l);
}

window.addEventListener('popstate', () => {
  filters.syncFromUrl();
  for (const l of listeners) l();
});

/**
 * Makes same-origin links navigate without reloading. Links keep the current filter when
 * they carry no query of their own (`data-keep-filter`), so moving between pages keeps
 * the view.
 */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest('a');
    if (!a || a.target || a.hasAttribute('download') || a.getAttribute('href')?.startsWith('#')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    ev.preventDefault();
    let search = url.search;
    if (a.dataset.keepFilter !== undefined && !search) search = filterQuery();
    navigate(url.pathname + search + url.hash);
  });
}
