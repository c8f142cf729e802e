// Analytics · Content: Tautulli's top cards (movies, shows, episodes, artists, libraries,
// platforms, players) ranked by plays, watch time or distinct users, and breakdowns by
// library, media type, genre, content rating and release year.

import { get } from '../../api/client';
import type { BreakdownBy, GroupStats, RankBy, TopEntry, TopKind } from '../../api/types';
import { table, type CardSpec } from '../../charts/cards';
import { bars, pie } from '../../charts/options';
import { h } from '../../dom';
import { duration, label, n, pct } from '../../format';

const RANKS: Record<RankBy, string> = { plays: 'plays', watch_time: 'watch time', users: 'users' };

/** The ranking from the URL (`by=`). */
function rankBy(): RankBy {
  const v = new URLSearchParams(location.search).get('by');
  return v === 'watch_time' || v === 'users' ? v : 'plays';
}

/** A top-list card: bars of the first 10 and a table of the first 25. */
export function topCard(kind: TopKind, title: string): CardSpec {
  return {
    id: `top-${kind}`,
    title,
    load: async (signal) => {
      const by = rankBy();
      const rows = await get<TopEntry[]>('/analytics/top', { filter: true, params: { kind, by, limit: 25 }, signal });
      if (rows.length === 0) return null;
      const value = (e: TopEntry): number => (by === 'watch_time' ? Math.round(e.watch_time_s / 3600) : by === 'users' ? e.users : e.plays);
      const head = rows.slice(0, 10);
      // "Show - S1E2 - Title" reads better as "S1E2 Title · Show" in a narrow axis.
      const short = (l: string): string => {
        const parts = l.split(' - ');
        return kind === 'episodes' && parts.length >= 3 ? `${parts[1]} ${parts.slice(2).join(' - ')} · ${parts[0]}` : l;
      };
      return {
        chart: bars(head.map((e) => short(e.label)), [{ name: by === 'watch_time' ? 'Hours' : label(RANKS[by]), data: head.map(value) }], true),
        below: h(
          'details',
          null,
          h('summary', null, `All ${rows.length}`),
          table(
            ['#', 'Title', 'Plays', 'Watch time', 'Users'],
            rows.map((e, i) => [i + 1, kind === 'users' ? h('a', { href: `/users/${e.key}`, 'data-keep-filter': true }, e.label) : e.label, n(e.plays), duration(e.watch_time_s), n(e.users)]),
            [0, 2, 3, 4],
          ),
        ),
      };
    },
  };
}

/** A breakdown card (pie for few groups, bars for many). */
export function breakdownCard(by: BreakdownBy, title: string, asPie = false): CardSpec {
  return {
    id: `breakdown-${by}`,
    title,
    load: async (signal) => {
      const rows = await get<GroupStats[]>('/analytics/breakdown', { filter: true, params: { by }, signal });
      if (rows.length === 0) return null;
      if (asPie) return pie(rows.slice(0, 12).map((r) => ({ name: label(r.key), value: r.plays })));
      const head = rows.slice(0, 15);
      return {
        chart: bars(head.map((r) => r.key), [{ name: 'Plays', data: head.map((r) => r.plays) }], true),
        below: h(
          'details',
          null,
          h('summary', null, 'Table'),
          table(
            [label(by), 'Plays', 'Watch time', 'Users', 'Completion'],
            rows.map((r) => [r.key, n(r.plays), duration(r.watch_time_s), n(r.users), pct(r.avg_completion / 100, 0)]),
            [1, 2, 3, 4],
          ),
        ),
      };
    },
  };
}

/** The ranking picker above the cards. */
export function header(): { el: HTMLElement; destroy: () => void } {
  const current = rankBy();
  const sel = h(
    'select',
    {
      id: 'rank-by',
      onchange: (ev: Event) => {
        const q = new URLSearchParams(location.search);
        const v = (ev.target as HTMLSelectElement).value;
        if (v === 'plays') q.delete('by');
        else q.set('by', v);
        const s = q.toString();
        // A full re-render of the tab picks the new ranking up.
        history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
        window.dispatchEvent(new PopStateEvent('popstate'));
      },
    },
    (Object.keys(RANKS) as RankBy[]).map((k) => h('option', { value: k, selected: k === current }, `Rank by ${RANKS[k]}`)),
  );
  return { el: h('div', { class: 'toolbar' }, h('label', { class: 'check' }, sel)), destroy: () => undefined };
}

/** The cards. */
export function cards(): CardSpec[] {
  return [
    topCard('movies', 'Top movies'),
    topCard('shows', 'Top shows'),
    topCard('episodes', 'Top episodes'),
    topCard('artists', 'Top artists'),
    topCard('libraries', 'Top libraries'),
    topCard('platforms', 'Top platforms'),
    topCard('players', 'Top players'),
    breakdownCard('media_type', 'Plays by media type', true),
    breakdownCard('library', 'Plays by library'),
    breakdownCard('genre', 'Plays by genre'),
    breakdownCard('content_rating', 'Plays by content rating', true),
    breakdownCard('year', 'Plays by release year'),
  ];
}
