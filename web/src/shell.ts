// The application frame: a skip link, the header (navigation, filter and theme buttons,
// the signed-in user), the filter panel, the page area and the footer with the data
// attributions. On a phone the navigation folds into a menu button.

import { post } from './api/client';
import { hub } from './api/ws';
import type { Principal } from './api/types';
import { filterPanel } from './components/filter-panel';
import { h } from './dom';
import { activeCount, filters } from './state/filters';
import { setTheme, theme } from './theme';

/** The navigation entries: (key, label, href). */
export const NAV: readonly { key: string; label: string; href: string; admin?: boolean }[] = [
  { key: 'map', label: 'Map', href: '/map' },
  { key: 'globe', label: 'Globe', href: '/globe' },
  { key: 'live', label: 'Live', href: '/live' },
  { key: 'analytics', label: 'Analytics', href: '/analytics/overview' },
  { key: 'security', label: 'Security', href: '/security' },
  { key: 'users', label: 'Users', href: '/users' },
  { key: 'admin', label: 'Admin', href: '/admin', admin: true },
];

/** The mounted frame. */
export interface Shell {
  /** Where pages go. */
  main: HTMLElement;
  /** Marks the active navigation entry. */
  setActive(key: string): void;
}

/** Builds the frame into `root` for the signed-in `me`. */
export function mountShell(root: HTMLElement, me: Principal, authEnabled: boolean): Shell {
  const main = h('main', { id: 'main', tabindex: '-1' });
  const links = new Map<string, HTMLAnchorElement>();
  const nav = h(
    'nav',
    { class: 'nav', id: 'nav', 'aria-label': 'Pages' },
    h(
      'ul',
      null,
      NAV.filter((e) => !e.admin || me.role === 'admin').map((e) => {
        const a = h('a', { href: e.href, 'data-keep-filter': true, 'data-nav': e.key }, e.label);
        links.set(e.key, a);
        return h('li', null, a);
      }),
    ),
  );

  const menuBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn ghost menu-btn',
      'aria-controls': 'nav',
      'aria-expanded': 'false',
      onclick: () => {
        const open = !document.body.classList.contains('nav-open');
        document.body.classList.toggle('nav-open', open);
        menuBtn.setAttribute('aria-expanded', String(open));
      },
    },
    'Menu',
  );

  const filterCount = h('span', { class: 'badge', 'aria-hidden': 'true' });
  const setCount = (): void => {
    const k = activeCount(filters.current);
    filterCount.textContent = k > 0 ? String(k) : '';
    filterBtn.setAttribute('aria-label', k > 0 ? `Filters (${k} active)` : 'Filters');
  };
  const togglePanel = (open: boolean): void => {
    panel.el.hidden = !open;
    filterBtn.setAttribute('aria-expanded', String(open));
    document.body.classList.toggle('filters-open', open);
    if (open) {
      panel.open();
      panel.el.querySelector<HTMLElement>('button, input, select, summary')?.focus();
    } else {
      filterBtn.focus();
    }
  };
  const filterBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      id: 'filter-toggle',
      'aria-controls': 'filters',
      'aria-expanded': 'false',
      onclick: () => togglePanel(panel.el.hidden),
    },
    'Filters ',
    filterCount,
  );
  const panel = filterPanel(() => togglePanel(false));
  panel.el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') togglePanel(false);
  });
  filters.subscribe(setCount);

  const themeBtn = h('button', {
    type: 'button',
    class: 'btn ghost',
    id: 'theme-toggle',
    onclick: () => {
      setTheme(theme() === 'dark' ? 'light' : 'dark');
      syncTheme();
    },
  });
  const syncTheme = (): void => {
    const next = theme() === 'dark' ? 'light' : 'dark';
    themeBtn.textContent = next === 'light' ? '☀ Light' : '☾ Dark';
    themeBtn.setAttribute('aria-label', `Switch to the ${next} theme`);
  };
  syncTheme();

  const liveDot = h('span', { class: 'live-dot', title: 'Live updates disconnected', role: 'img', 'aria-label': 'Live updates disconnected' });
  hub.onStatus((c) => {
    liveDot.classList.toggle('on', c);
    const t = c ? 'Live updates connected' : 'Live updates disconnected';
    liveDot.title = t;
    liveDot.setAttribute('aria-label', t);
  });

  const logout = authEnabled
    ? h(
        'button',
        {
          type: 'button',
          class: 'btn ghost',
          onclick: () => {
            post('/auth/logout')
              .catch(() => undefined)
              .finally(() => {
                hub.stop();
                location.assign('/login');
              });
          },
        },
        'Sign out',
      )
    : null;

  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '/map', 'data-keep-filter': true }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◍'), 'Cartographus'),
    menuBtn,
    nav,
    h(
      'div',
      { class: 'tools' },
      filterBtn,
      themeBtn,
      liveDot,
      h('span', { class: 'who', title: `Signed in as ${me.name} (${me.role})` }, me.name),
      logout,
    ),
  );

  const footer = h(
    'footer',
    { class: 'foot' },
    h(
      'p',
      null,
      h('a', { href: 'https://db-ip.com', rel: 'noopener', target: '_blank' }, 'IP geolocation by DB-IP'),
      ' (',
      h('a', { href: 'https://creativecommons.org/licenses/by/4.0/', rel: 'noopener', target: '_blank' }, 'CC BY 4.0'),
      ') · Country outlines: Natural Earth via world-atlas · ',
      h('a', { href: '/about', 'data-keep-filter': true }, 'About'),
    ),
  );

  root.replaceChildren(
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    header,
    h('div', { class: 'body' }, main, panel.el),
    footer,
  );
  setCount();

  return {
    main,
    setActive(key: string) {
      for (const [k, a] of links) {
        if (k === key) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      }
      document.body.classList.remove('nav-open');
      menuBtn.setAttribute('aria-expanded', 'false');
    },
  };
}
