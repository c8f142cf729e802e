// Analytics · Advanced: concurrent streams (peaks per bucket and the busiest moments),
// weekly cohorts with retention, the shared-network graph (users linked by a public
// network or a device, force layout) and fuzzy search over titles, users and devices.

import { describe, get } from '../../api/client';
import type { CohortReport, ConcurrencyReport, SearchHit, SharedNetworkGraph } from '../../api/types';
import { table, type CardSpec } from '../../charts/cards';
import { timeLines } from '../../charts/options';
import { errorLine, h, replace } from '../../dom';
import { day, label, n, pct, when } from '../../format';
import { palette } from '../../theme';

/** The cards. */
export function cards(): CardSpec[] {
  return [
    {
      id: 'concurrency',
      title: 'Concurrent streams',
      wide: true,
      load: async (signal) => {
        const r = await get<ConcurrencyReport>('/analytics/concurrency', { filter: true, signal });
        if (r.buckets.length === 0) return null;
        return {
          chart: timeLines([
            { name: 'Direct play', data: r.buckets.map((b) => [b.start, b.peak_direct_play]), stack: 'c', area: true },
            { name: 'Copy', data: r.buckets.map((b) => [b.start, b.peak_copy]), stack: 'c', area: true },
            { name: 'Transcode', data: r.buckets.map((b) => [b.start, b.peak_transcode]), stack: 'c', area: true },
            { name: 'Peak', data: r.buckets.map((b) => [b.start, b.peak]) },
          ]),
          below: h(
            'details',
            null,
            h('summary', null, r.peak ? `Peak: ${n(r.peak.streams)} streams at ${when(r.peak.at)}` : 'Busiest moments'),
            table(
              ['When', 'Streams', 'Direct play', 'Copy', 'Transcode'],
              r.top.map((p) => [when(p.at), n(p.streams), n(p.direct_play), n(p.copy), n(p.transcode)]),
              [1, 2, 3, 4],
            ),
          ),
        };
      },
      note: 'Per-interval peaks by decision, in your time zone.',
    },
    {
      id: 'cohorts',
      title: 'Cohorts and retention',
      wide: true,
      note: 'Users grouped by the week of their first play; how many played again 1, 4 and 12 weeks later.',
      load: async (signal) => {
        const r = await get<CohortReport>('/analytics/cohorts', { filter: true, signal });
        if (r.cohorts.length === 0) return null;
        const rows = r.cohorts.slice(-26);
        const weeks = ['Week 1', 'Week 4', 'Week 12'];
        const data: [number, number, number | string][] = [];
        rows.forEach((c, y) => {
          [c.retention_1, c.retention_4, c.retention_12].forEach((v, x) => data.push([x, y, v === null ? '-' : Math.round(v * 1000) / 10]));
        });
        return {
          chart: {
            tooltip: { trigger: 'item', formatter: (x: { value: [number, number, number | string] }) => `${day(rows[x.value[1]]?.week)} · ${weeks[x.value[0]]}: ${x.value[2]} %` },
            grid: { left: 100, right: 16, top: 16, bottom: 56, containLabel: true },
            xAxis: { type: 'category', data: weeks },
            yAxis: { type: 'category', data: rows.map((c) => `${day(c.week)} (${c.users})`), inverse: true },
            visualMap: { min: 0, max: 100, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: palette().heat } },
            series: [{ type: 'heatmap', data, label: { show: true, formatter: (x: { value: [number, number, number | string] }) => (x.value[2] === '-' ? '' : `${x.value[2]}%`) } }],
          },
          below: h(
            'details',
            null,
            h('summary', null, 'Table'),
            table(
              ['Week', 'Users', 'Week 1', 'Week 4', 'Week 12'],
              r.cohorts.map((c) => [day(c.week), n(c.users), pct(c.retention_1), pct(c.retention_4), pct(c.retention_12)]),
              [1, 2, 3, 4],
            ),
          ),
        };
      },
      tall: true,
    },
    {
      id: 'shared-networks',
      title: 'Shared networks and devices',
      wide: true,
      tall: true,
      note: 'Users linked because they played from the same public network (IPv4 /32, IPv6 /64) or the same device.',
      load: async (signal) => {
        const g = await get<SharedNetworkGraph>('/analytics/shared-networks', { filter: true, signal });
        if (g.links.length === 0) return null;
        const p = palette();
        const max = Math.max(1, ...g.nodes.map((x) => x.streams));
        return {
          chart: {
            tooltip: { trigger: 'item' },
            legend: { top: 0, data: ['network', 'device'] },
            series: [
              {
                type: 'graph',
                layout: 'force',
                roam: true,
                draggable: true,
                force: { repulsion: 140, edgeLength: [40, 140] },
                categories: [{ name: 'user' }],
                data: g.nodes.map((x) => ({
                  id: String(x.user_id),
                  name: x.name,
                  value: x.streams,
                  symbolSize: 10 + 30 * Math.sqrt(x.streams / max),
                  itemStyle: { color: p.accent },
                  label: { show: true, color: p.text, position: 'right' },
                })),
                links: g.links.map((l) => ({
                  source: String(l.a),
                  target: String(l.b),
                  value: l.via.map((v) => `${v.kind}: ${v.value}`).join(', '),
                  lineStyle: { color: l.via.some((v) => v.kind === 'device') ? p.accent2 : p.muted, width: 1 + Math.min(4, l.via.length) },
                })),
              },
            ],
          },
          below: h(
            'details',
            null,
            h('summary', null, `${n(g.links.length)} links between ${n(g.nodes.length)} users`),
            table(
              ['User', 'User', 'Shared'],
              g.links.slice(0, 100).map((l) => {
                const name = (id: string): string => g.nodes.find((x) => String(x.user_id) === String(id))?.name ?? String(id);
                return [name(l.a), name(l.b), l.via.map((v) => `${label(v.kind)} ${v.value}`).join('; ')];
              }),
            ),
          ),
        };
      },
    },
    {
      id: 'search',
      title: 'Search',
      wide: true,
      load: () => Promise.resolve(searchForm()),
    },
  ];
}

function searchForm(): HTMLElement {
  const q = h('input', { type: 'search', placeholder: 'A title, a user or a device', 'aria-label': 'Search text', required: true, minlength: 2 });
  const kind = h(
    'select',
    { 'aria-label': 'Search in' },
    h('option', { value: '' }, 'Everything'),
    h('option', { value: 'title' }, 'Titles'),
    h('option', { value: 'user' }, 'Users'),
    h('option', { value: 'device' }, 'Devices'),
  );
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'row', role: 'search' }, q, kind, h('button', { type: 'submit', class: 'btn primary' }, 'Search'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    replace(out, h('p', { class: 'loading' }, 'Searching…'));
    get<SearchHit[]>('/search', { filter: true, params: { q: q.value.trim(), kind: kind.value || null } })
      .then((hits) =>
        replace(
          out,
          hits.length === 0
            ? h('p', { class: 'muted' }, 'Nothing matches.')
            : table(
                ['Kind', 'Field', 'Value', 'Streams', 'Score'],
                hits.map((x) => [
                  label(x.kind),
                  label(x.field),
                  x.kind === 'user' && /^\d+$/.test(x.key) ? h('a', { href: `/users/${x.key}`, 'data-keep-filter': true }, x.value) : x.value,
                  n(x.streams),
                  x.score.toFixed(2),
                ]),
                [3, 4],
              ),
        ),
      )
      .catch((e: unknown) => replace(out, errorLine(describe(e))));
  });
  return h('div', null, form, out);
}
