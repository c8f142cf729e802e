// The Security page: tabs Alerts (with the drill-down of one alert), Trust (scores and
// their ledger) and Rules (detection settings).

import { h, replace } from '../../dom';
import type { Cleanup, PageContext } from '../../router';

const TABS = [
  { key: 'alerts', label: 'Alerts', href: '/security' },
  { key: 'trust', label: 'Trust scores', href: '/security/trust' },
  { key: 'rules', label: 'Rules', href: '/security/rules' },
] as const;

/** Mounts the page. */
export async function mount(root: HTMLElement, ctx: PageContext): Promise<Cleanup | void> {
  const key = ctx.params.id ? 'alerts' : (ctx.params.tab ?? 'alerts');
  const tab = TABS.find((t) => t.key === key);
  const body = h('div');
  replace(
    root,
    h(
      'section',
      { class: 'page', 'aria-labelledby': 'security-title' },
      h('h1', { id: 'security-title' }, 'Security'),
      h(
        'ul',
        { class: 'tabs', 'aria-label': 'Security sections' },
        TABS.map((t) => h('li', null, h('a', { href: t.href, 'aria-current': t.key === key ? 'page' : null, 'data-tab': t.key }, t.label))),
      ),
      body,
    ),
  );
  if (!tab) {
    replace(body, h('p', null, 'There is no such section.'));
    return;
  }
  if (tab.key === 'trust') return (await import('./trust')).mountTrust(body, ctx);
  if (tab.key === 'rules') return (await import('./rules')).mountRules(body, ctx);
  return (await import('./alerts')).mountAlerts(body, ctx, ctx.params.id ?? null);
}
