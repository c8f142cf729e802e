// The Users page: every user with their totals under the filter, searchable, each linking
// to the user's page.

import { describe, get } from '../api/client';
import type { UserStats } from '../api/types';
import { table } from '../charts/cards';
import { errorLine, h, loading, replace } from '../dom';
import { ago, duration, n, pct } from '../format';
import type { Cleanup, PageContext } from '../router';
import { filters } from '../state/filters';

/** Mounts the page. */
export async function mount(root: HTMLElement, _ctx: PageContext): Promise<Cleanup> {
  const search = h('input', { type: 'search', placeholder: 'Find a user', 'aria-label': 'Find a user' });
  const out = h('div', { 'aria-live': 'polite' }, loading());
  let users: UserStats[] = [];
  const render = (): void => {
    const q = search.value.trim().toLowerCase();
    const shown = users.filter((u) => !q || u.username.toLowerCase().includes(q) || (u.friendly_name ?? '').toLowerCase().includes(q));
    replace(
      out,
      shown.length === 0
        ? h('p', { class: 'muted' }, 'No users match.')
        : table(
            ['User', 'Plays', 'Watch time', 'Devices', 'Addresses', 'Places', 'Completion', 'First seen', 'Last seen'],
            shown.map((u) => [
              h('a', { href: `/users/${u.user_id}`, 'data-keep-filter': true }, u.friendly_name ?? u.username),
              n(u.plays),
              duration(u.watch_time_s),
              n(u.devices),
              n(u.ips),
              n(u.locations),
              pct(u.avg_completion / 100, 0),
              ago(u.first_seen),
              ago(u.last_seen),
            ]),
            [1, 2, 3, 4, 5, 6],
          ),
    );
  };
  const load = async (): Promise<void> => {
    try {
      users = await get<UserStats[]>('/users', { filter: true });
      render();
    } catch (e) {
      replace(out, errorLine(`Users could not be loaded: ${describe(e)}`));
    }
  };
  search.addEventListener('input', render);
  replace(root, h('section', { class: 'page', 'aria-labelledby': 'users-title' }, h('div', { class: 'toolbar' }, h('h1', { id: 'users-title' }, 'Users'), search), h('div', { class: 'panel' }, out)));
  await load();
  return filters.subscribe(() => void load());
}
