// Analytics · Users: top users, engagement (completion and where plays are abandoned),
// binge sessions, watch parties and the per-user table linking to each user's page.

import { get } from '../../api/client';
import type { BingeReport, Engagement, PartyReport, UserStats } from '../../api/types';
import { table, type CardSpec } from '../../charts/cards';
import { bars } from '../../charts/options';
import { h } from '../../dom';
import { ago, duration, n, pct, when } from '../../format';
import { topCard } from './content';

function userLink(id: string, name: string): HTMLElement {
  return h('a', { href: `/users/${id}`, 'data-keep-filter': true }, name);
}

/** The cards. */
export function cards(): CardSpec[] {
  return [
    topCard('users', 'Top users'),
    {
      id: 'engagement',
      title: 'Engagement',
      note: 'A play is fully watched at 90 % or more; the histogram shows where the others stopped.',
      load: async (signal) => {
        const e = await get<Engagement>('/analytics/engagement', { filter: true, signal });
        if (e.plays === 0) return null;
        return {
          chart: bars(
            e.abandon_histogram.map((b) => `${b.from_percent}–${b.to_percent} %`),
            [{ name: 'Plays stopped', data: e.abandon_histogram.map((b) => b.plays) }],
          ),
          below: h('p', null, `${n(e.plays)} plays, ${n(e.fully_watched)} fully watched (${pct(e.completion_rate)}), ${n(e.abandoned)} abandoned.`),
        };
      },
    },
    {
      id: 'completion',
      title: 'Completion by user',
      load: async (signal) => {
        const e = await get<Engagement>('/analytics/engagement', { filter: true, signal });
        if (e.users.length === 0) return null;
        return table(
          ['User', 'Plays', 'Fully watched', 'Rate', 'Avg. stop'],
          e.users.slice(0, 30).map((u) => [
            userLink(u.user_id, u.username),
            n(u.plays),
            n(u.fully_watched),
            pct(u.completion_rate),
            u.avg_abandon_percent === null ? '–' : `${Math.round(u.avg_abandon_percent)} %`,
          ]),
          [1, 2, 3, 4],
        );
      },
    },
    {
      id: 'binge',
      title: 'Binge sessions',
      note: 'Three or more episodes of one show with no gap longer than six hours.',
      load: async (signal) => {
        const b = await get<BingeReport>('/analytics/binge', { filter: true, signal });
        if (b.sessions.length === 0) return null;
        return h(
          'div',
          null,
          h('p', { class: 'muted' }, `${n(b.total)} sessions`),
          table(
            ['User', 'Show', 'Episodes', 'Started', 'Watched'],
            b.sessions.slice(0, 25).map((s) => [userLink(s.user_id, s.username), s.show, n(s.episodes), when(s.started_at), duration(s.watch_time_s)]),
            [2, 4],
          ),
        );
      },
    },
    {
      id: 'watch-parties',
      title: 'Watch parties',
      note: 'Two or more users starting the same item within 15 minutes of each other.',
      load: async (signal) => {
        const p = await get<PartyReport>('/analytics/watch-parties', { filter: true, signal });
        if (p.parties.length === 0) return null;
        return h(
          'div',
          null,
          h('p', { class: 'muted' }, `${n(p.total)} parties`),
          table(
            ['Title', 'Started', 'Users'],
            p.parties.slice(0, 25).map((x) => [x.title, when(x.started_at), x.usernames.join(', ')]),
          ),
        );
      },
    },
    {
      id: 'user-table',
      title: 'All users',
      wide: true,
      load: async (signal) => {
        const users = await get<UserStats[]>('/users', { filter: true, signal });
        if (users.length === 0) return null;
        return table(
          ['User', 'Plays', 'Watch time', 'Devices', 'Addresses', 'Places', 'Completion', 'Last seen'],
          users.map((u) => [
            userLink(u.user_id, u.friendly_name ?? u.username),
            n(u.plays),
            duration(u.watch_time_s),
            n(u.devices),
            n(u.ips),
            n(u.locations),
            pct(u.avg_completion / 100, 0),
            ago(u.last_seen),
          ]),
          [1, 2, 3, 4, 5, 6],
        );
      },
    },
  ];
}
