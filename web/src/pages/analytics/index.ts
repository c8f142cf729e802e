// The Analytics page: tabs Overview, Content, Users, Quality, Geography and Advanced.
// Each tab is a grid of lazy cards (see charts/cards.ts); the tab is in the path so it
// can be bookmarked with the filter.

import { cardGrid, type CardSpec } from '../../charts/cards';
import { h, replace } from '../../dom';
import type { Cleanup, PageContext } from '../../router';

interface Tab {
  key: string;
  label: string;
  load: () => Promise<{ cards: () => CardSpec[]; header?: () => { el: HTMLElement; destroy: () => void } }>;
}

const TABS: readonly Tab[] = [
  { key: 'overview', label: 'Overview', load: () => import('./overview') },
  { key: 'content', label: 'Content', load: () => import('./content') },
  { key: 'users', label: 'Users', load: () => import('./users') },
  { key: 'quality', label: 'Quality', load: () => import('./quality') },
  { key: 'geography', label: 'Geography', load: () => import('./geography') },
  { key: 'advanced', label: 'Advanced', load: () => import('./advanced') },
];

/** Mounts the page. */
export async function mount(root: HTMLElement, ctx: PageContext): Promise<Cleanup> {
  const tab = TABS.find((t) => t.key === ctx.params.tab) ?? TABS[0];
  if (!tab) return () => undefined;
  const tabs = h(
    'ul',
    { class: 'tabs', role: 'list', 'aria-label': 'Analytics sections' },
    TABS.map((t) =>
      h('li', null, h('a', { href: `/analytics/${t.key}`, 'data-keep-filter': true, 'aria-current': t.key === tab.key ? 'page' : null, 'data-tab': t.key }, t.label)),
    ),
  );
  const mod = await tab.load();
  const header = mod.header?.();
  const grid = cardGrid(mod.cards());
  replace(
    root,
    h(
      'section',
      { class: 'page analytics', 'aria-labelledby': 'analytics-title' },
      h('h1', { id: 'analytics-title' }, `Analytics · ${tab.label}`),
      tabs,
      header?.el ?? null,
      grid.el,
    ),
  );
  return () => {
    header?.destroy();
    grid.destroy();
  };
}
