// Analytics · Geography: plays by country, the busiest places, how far viewers are from
// the server, and a search for places around a point.

import { describe, get } from '../../api/client';
import type { Arc, GroupStats, LocationStats } from '../../api/types';
import { table, type CardSpec } from '../../charts/cards';
import { bars } from '../../charts/options';
import { errorLine, h, replace } from '../../dom';
import { ago, country, duration, n } from '../../format';
import { breakdownCard } from './content';

const DISTANCES = [0, 10, 50, 100, 500, 1000, 2500, 5000, 10000, Infinity];

/** The cards. */
export function cards(): CardSpec[] {
  return [
    {
      id: 'breakdown-country',
      title: 'Plays by country',
      load: async (signal) => {
        const rows = await get<GroupStats[]>('/analytics/breakdown', { filter: true, params: { by: 'country' }, signal });
        if (rows.length === 0) return null;
        const head = rows.slice(0, 20);
        return bars(
          head.map((r) => country(r.key)),
          [
            { name: 'Plays', data: head.map((r) => r.plays) },
            { name: 'Users', data: head.map((r) => r.users) },
          ],
          true,
        );
      },
    },
    {
      id: 'distances',
      title: 'Distance from the server',
      note: 'Plays by great-circle distance between the viewer and the configured server location.',
      load: async (signal) => {
        const arcs = await get<Arc[]>('/spatial/arcs', { filter: true, signal });
        if (arcs.length === 0) return null;
        const counts = new Array<number>(DISTANCES.length - 1).fill(0);
        for (const a of arcs) {
          const i = DISTANCES.findIndex((d, k) => a.distance_km >= d && a.distance_km < (DISTANCES[k + 1] ?? Infinity));
          if (i >= 0 && i < counts.length) counts[i] = (counts[i] ?? 0) + a.plays;
        }
        const labels = DISTANCES.slice(0, -1).map((d, k) => {
          const next = DISTANCES[k + 1] ?? Infinity;
          return next === Infinity ? `${n(d)}+ km` : `${n(d)}–${n(next)} km`;
        });
        return bars(labels, [{ name: 'Plays', data: counts }]);
      },
    },
    {
      id: 'places',
      title: 'Busiest places',
      wide: true,
      load: async (signal) => {
        const rows = await get<LocationStats[]>('/locations', { filter: true, params: { limit: 50 }, signal });
        if (rows.length === 0) return null;
        return table(
          ['Place', 'Country', 'Plays', 'Users', 'Watch time', 'Last seen'],
          rows.map((r) => [[r.city, r.region].filter(Boolean).join(', ') || '–', country(r.country_code), n(r.plays), n(r.users), duration(r.watch_time_s), ago(r.last_seen)]),
          [2, 3, 4],
        );
      },
    },
    breakdownCard('server', 'Plays by server', true),
    breakdownCard('source', 'Plays by source', true),
    breakdownCard('platform', 'Plays by platform'),
    {
      id: 'nearby',
      title: 'Places near a point',
      load: () => Promise.resolve(nearbyForm()),
    },
  ];
}

function nearbyForm(): HTMLElement {
  const lat = h('input', { type: 'number', step: 'any', min: -90, max: 90, required: true, 'aria-label': 'Latitude', placeholder: 'Latitude' });
  const lon = h('input', { type: 'number', step: 'any', min: -180, max: 180, required: true, 'aria-label': 'Longitude', placeholder: 'Longitude' });
  const km = h('input', { type: 'number', step: 'any', min: 0, max: 20038, value: 50, required: true, 'aria-label': 'Radius in km' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'row' },
    lat,
    lon,
    km,
    h('span', { class: 'muted' }, 'km'),
    h('button', { type: 'submit', class: 'btn primary' }, 'Search'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    replace(out, h('p', { class: 'loading' }, 'Searching…'));
    get<(LocationStats & { distance_km: number })[]>('/spatial/nearby', { filter: true, params: { lat: lat.value, lon: lon.value, radius_km: km.value } })
      .then((rows) =>
        replace(
          out,
          rows.length === 0
            ? h('p', { class: 'muted' }, 'No places within that radius.')
            : table(
                ['Place', 'Distance', 'Plays', 'Users'],
                rows.slice(0, 30).map((r) => [[r.city, country(r.country_code)].filter(Boolean).join(', '), `${n(Math.round(r.distance_km))} km`, n(r.plays), n(r.users)]),
                [1, 2, 3],
              ),
        ),
      )
      .catch((e: unknown) => replace(out, errorLine(describe(e))));
  });
  return h('div', null, form, out);
}
