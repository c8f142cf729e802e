// Analytics · Overview: the totals, plays over time, the day × hour heatmap, weekdays,
// hours, the calendar of a year, top countries and the most recent plays.

import { describe, get } from '../../api/client';
import type { CalendarDay, HeatCell, HourCount, Overview, RecentPlay, Trends, WeekdayCount } from '../../api/types';
import { table, type CardSpec } from '../../charts/cards';
import { bars, timeLines, weekHourHeatmap } from '../../charts/options';
import { errorLine, h, replace } from '../../dom';
import { ago, bytes, country, duration, n, pct, weekday, when } from '../../format';
import { filters } from '../../state/filters';
import { palette } from '../../theme';

function stat(k: string, v: string, id: string): HTMLElement {
  return h('div', { class: 'card', 'data-stat': id }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v));
}

/** The totals row above the cards. */
export function header(): { el: HTMLElement; destroy: () => void } {
  const el = h('div', { class: 'cards', 'aria-live': 'polite' });
  let ctl: AbortController | null = null;
  const load = async (): Promise<void> => {
    ctl?.abort();
    const c = new AbortController();
    ctl = c;
    try {
      const o = await get<Overview>('/stats', { filter: true, signal: c.signal });
      replace(
        el,
        stat('Plays', n(o.plays), 'plays'),
        stat('Watch time', duration(o.watch_time_s), 'watch_time'),
        stat('Users', n(o.users), 'users'),
        stat('Places', n(o.locations), 'locations'),
        stat('Countries', n(o.countries), 'countries'),
        stat('Last activity', ago(o.last_activity), 'last_activity'),
        stat('Database', bytes(o.database_bytes), 'database'),
      );
    } catch (e) {
      if (!c.signal.aborted) replace(el, errorLine(`The totals could not be loaded: ${describe(e)}`));
    }
  };
  void load();
  const off = filters.subscribe(() => void load());
  return {
    el,
    destroy: () => {
      off();
      ctl?.abort();
    },
  };
}

/** The year the calendar shows: the filter's end year, else this year. */
function calendarYear(): number {
  const f = filters.current;
  const end = f.end ? new Date(f.end) : new Date();
  return Number.isNaN(end.getTime()) ? new Date().getFullYear() : end.getFullYear();
}

/** The cards. */
export function cards(): CardSpec[] {
  return [
    {
      id: 'trends',
      title: 'Plays over time',
      wide: true,
      load: async (signal) => {
        const t = await get<Trends>('/analytics/trends', { filter: true, signal });
        if (t.points.length === 0) return null;
        return timeLines(
          [
            { name: 'Plays', data: t.points.map((p) => [p.start, p.plays]) },
            { name: 'Users', data: t.points.map((p) => [p.start, p.users]) },
            { name: 'Hours watched', data: t.points.map((p) => [p.start, Math.round(p.watch_hours * 10) / 10]), yAxis: 1 },
          ],
          true,
        );
      },
      note: 'Buckets of an hour, day, week or month depending on the range, in your time zone.',
    },
    {
      id: 'heatmap',
      title: 'When people watch (day × hour)',
      load: async (signal) => {
        const cells = await get<HeatCell[]>('/analytics/heatmap', { filter: true, signal });
        return cells.some((c) => c.plays > 0) ? weekHourHeatmap(cells) : null;
      },
    },
    {
      id: 'weekdays',
      title: 'Plays by day of week',
      load: async (signal) => {
        const d = await get<WeekdayCount[]>('/analytics/weekdays', { filter: true, signal });
        return d.some((x) => x.plays > 0) ? bars(d.map((x) => weekday(x.weekday)), [{ name: 'Plays', data: d.map((x) => x.plays) }]) : null;
      },
    },
    {
      id: 'hours',
      title: 'Plays by hour of day',
      load: async (signal) => {
        const d = await get<HourCount[]>('/analytics/hours', { filter: true, signal });
        return d.some((x) => x.plays > 0) ? bars(d.map((x) => `${x.hour}:00`), [{ name: 'Plays', data: d.map((x) => x.plays) }]) : null;
      },
    },
    {
      id: 'countries',
      title: 'Top countries',
      load: async (signal) => {
        const o = await get<Overview>('/stats', { filter: true, signal });
        const top = o.top_countries;
        if (top.length === 0) return null;
        return bars(
          top.map((c) => c.country_name ?? c.country_code),
          [
            { name: 'Plays', data: top.map((c) => c.plays) },
            { name: 'Users', data: top.map((c) => c.users) },
          ],
          true,
        );
      },
    },
    {
      id: 'calendar',
      title: `Calendar`,
      wide: true,
      load: async (signal) => {
        const year = calendarYear();
        const days = await get<CalendarDay[]>('/analytics/calendar', { filter: true, params: { year }, signal });
        if (days.length === 0) return null;
        const max = Math.max(1, ...days.map((d) => d.plays));
        return {
          tooltip: { trigger: 'item', formatter: (x: { value: [string, number] }) => `${x.value[0]}: ${x.value[1]} plays` },
          visualMap: { min: 0, max, show: false, inRange: { color: palette().heat } },
          calendar: { range: String(year), cellSize: ['auto', 14], top: 30, left: 40, right: 16, splitLine: { show: false } },
          series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: days.map((d) => [d.date, d.plays]) }],
        };
      },
    },
    {
      id: 'recent',
      title: 'Recent plays',
      wide: true,
      load: async (signal) => {
        const rows = await get<RecentPlay[]>('/analytics/recent', { filter: true, params: { limit: 15 }, signal });
        if (rows.length === 0) return null;
        return table(
          ['When', 'User', 'Title', 'Player', 'Place', 'Done'],
          rows.map((r) => [
            when(r.started_at),
            h('a', { href: `/users/${r.user_id}`, 'data-keep-filter': true }, r.user),
            r.title,
            r.player ?? r.platform ?? '–',
            [r.city, country(r.country_code)].filter((x) => x && x !== '–').join(', ') || '–',
            pct(r.percent_complete / 100, 0),
          ]),
          [5],
        );
      },
    },
  ];
}
