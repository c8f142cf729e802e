// A user's page: totals, history (paged), devices, networks (addresses), places on a
// small map, and trust with its ledger.

import { describe, get } from '../api/client';
import type { PlaybackEvent, PlaybackPage, UserDetail, UserPage } from '../api/types';
import { table } from '../charts/cards';
import { errorLine, h, loading, replace } from '../dom';
import { ago, country, duration, n, pct, place, when } from '../format';
import type { CreatedMap } from '../map/create';
import type { Cleanup, PageContext } from '../router';
import { filters } from '../state/filters';
import { fullTitle } from './live';
import { ledgerView } from './security/trust';

function historyRows(items: PlaybackEvent[]): (string | Node)[][] {
  return items.map((e) => [
    when(e.timing.started_at),
    fullTitle(e),
    [e.device.player, e.device.platform].filter(Boolean).join(' / ') || '–',
    e.quality.transcode_decision ?? '–',
    e.network.ip ?? '–',
    e.geo ? place(e.geo.city, e.geo.country_code) : '–',
    duration(e.timing.play_duration_s),
    pct(e.timing.percent_complete / 100, 0),
  ]);
}

/** Mounts the page. */
export async function mount(root: HTMLElement, ctx: PageContext): Promise<Cleanup> {
  const id = ctx.params.id ?? '';
  if (!/^\d+$/.test(id)) {
    replace(root, h('section', { class: 'page' }, errorLine('That is not a user id.')));
    return () => undefined;
  }
  let mini: CreatedMap | null = null;
  const body = h('div', null, loading('Loading the user'));
  replace(root, h('section', { class: 'page', 'aria-labelledby': 'user-title' }, h('h1', { id: 'user-title' }, 'User'), body));

  const load = async (): Promise<void> => {
    let page: UserPage;
    try {
      page = await get<UserPage>(`/users/${id}`, { filter: true });
    } catch (e) {
      replace(body, errorLine(`The user could not be loaded: ${describe(e)}`));
      return;
    }
    const account = page.user;
    const d: UserDetail = page.detail ?? {
      stats: {
        user_id: id,
        username: account?.username ?? `user ${id}`,
        friendly_name: account?.friendly_name ?? null,
        plays: 0,
        watch_time_s: 0,
        first_seen: account?.first_seen_at ?? null,
        last_seen: account?.last_seen_at ?? null,
        devices: 0,
        ips: 0,
        locations: 0,
        avg_completion: 0,
      },
      devices: [],
      ips: [],
      locations: [],
    };
    const s = d.stats;
    const title = root.querySelector('#user-title');
    if (title) title.textContent = s.friendly_name ? `${s.friendly_name} (${s.username})` : s.username;
    document.title = `${s.username} · Cartographus`;

    const historyBody = h('div', null, loading('Loading the history'));
    const moreBtn = h('button', { type: 'button', class: 'btn', hidden: true }, 'Older plays');
    let cursor: string | null = null;
    let rows: PlaybackEvent[] = [];
    const loadHistory = async (): Promise<void> => {
      try {
        const page = await get<PlaybackPage>('/playbacks', { filter: true, params: { users: id, limit: 25, cursor } });
        rows = [...rows, ...page.items];
        cursor = page.next ?? page.next_cursor ?? null;
        moreBtn.hidden = cursor === null;
        replace(historyBody, rows.length === 0 ? h('p', { class: 'muted' }, 'No plays under this filter.') : table(['When', 'Title', 'Device', 'Decision', 'Address', 'Place', 'Watched', 'Done'], historyRows(rows), [6, 7]));
      } catch (e) {
        replace(historyBody, errorLine(`The history could not be loaded: ${describe(e)}`));
      }
    };
    moreBtn.addEventListener('click', () => void loadHistory());
    const mapEl = h('div', { class: 'map mini', role: 'region', 'aria-label': 'Places this user played from' });

    replace(
      body,
      h(
        'div',
        { class: 'cards' },
        [
          ['Plays', n(s.plays)],
          ['Watch time', duration(s.watch_time_s)],
          ['Devices', n(s.devices)],
          ['Addresses', n(s.ips)],
          ['Places', n(s.locations)],
          ['Completion', pct(s.avg_completion / 100, 0)],
          ['First seen', ago(s.first_seen)],
          ['Last seen', ago(s.last_seen)],
        ].map(([k, v]) => h('div', { class: 'card' }, h('div', { class: 'k' }, k ?? ''), h('div', { class: 'v' }, v ?? ''))),
      ),
      h(
        'div',
        { class: 'grid' },
        h('section', { class: 'panel wide' }, h('h2', null, 'History'), historyBody, moreBtn),
        h(
          'section',
          { class: 'panel' },
          h('h2', null, 'Devices'),
          table(
            ['Device', 'Player', 'Platform', 'Plays', 'Last seen'],
            d.devices.map((x) => [x.device, x.player ?? '–', x.platform ?? '–', n(x.plays), ago(x.last_seen)]),
            [3],
          ),
        ),
        h(
          'section',
          { class: 'panel' },
          h('h2', null, 'Networks'),
          table(
            ['Address', 'Network', 'Place', 'Plays', 'First seen', 'Last seen'],
            d.ips.map((x) => [x.ip, x.network_location ?? '–', place(x.city, x.country_code), n(x.plays), when(x.first_seen), ago(x.last_seen)]),
            [3],
          ),
        ),
        h(
          'section',
          { class: 'panel' },
          h('h2', null, 'Places'),
          mapEl,
          table(
            ['Place', 'Plays', 'Last seen'],
            d.locations.map((x) => [[x.city, country(x.country_code)].filter(Boolean).join(', '), n(x.plays), ago(x.last_seen)]),
            [1],
          ),
        ),
        h(
          'section',
          { class: 'panel' },
          h('h2', null, 'Account and trust'),
          account
            ? h(
                'p',
                { class: 'muted small' },
                [account.platform, account.is_admin ? 'server admin' : null, account.is_home_user ? 'home user' : null, account.first_seen_at ? `first seen ${when(account.first_seen_at)}` : null]
                  .filter(Boolean)
                  .join(' · '),
              )
            : null,
          ledgerView(id, ctx.me.role === 'admin', () => undefined, { score: page.trust ?? null, ledger: page.ledger ?? [] }),
        ),
      ),
    );
    void loadHistory();
    mini?.destroy();
    mini = null;
    if (d.locations.length > 0) {
      const { miniMap } = await import('../map/minimap');
      mini = await miniMap(
        mapEl,
        d.locations.map((x) => ({ lon: x.longitude, lat: x.latitude, text: `${place(x.city, x.country_code)}: ${n(x.plays)} plays, last ${ago(x.last_seen)}` })),
      );
    } else {
      mapEl.classList.remove('map');
      replace(mapEl, h('p', { class: 'muted' }, 'No located plays.'));
    }
  };
  await load();
  const off = filters.subscribe(() => void load());
  return () => {
    off();
    mini?.destroy();
  };
}
