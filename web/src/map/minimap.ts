// A small map of a handful of points (an alert's plays, a user's places): numbered
// markers, a line joining them in order when asked, and the view fitted to them.

import type { LngLatBoundsLike } from 'maplibre-gl';

import { h } from '../dom';
import { palette } from '../theme';
import { createMap, maplibregl, type CreatedMap } from './create';
import { greatCircle } from './geo';

/** One point to show. */
export interface MiniPoint {
  lon: number;
  lat: number;
  /** Text of the marker's popup. */
  text: string;
}

/** Draws `points` in `container`; `path` joins them in order. Returns the map to destroy. */
export async function miniMap(container: HTMLElement, points: MiniPoint[], path = false): Promise<CreatedMap> {
  const created = await createMap(container, { compact: true, zoom: 1 });
  const { map } = created;
  if (path && points.length > 1) {
    const coords: [number, number][] = [];
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1];
      const b = points[i];
      if (a && b) coords.push(...greatCircle([a.lon, a.lat], [b.lon, b.lat], 32));
    }
    map.addSource('path', { type: 'geojson', data: { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: coords } } });
    map.addLayer({ id: 'path', type: 'line', source: 'path', paint: { 'line-color': palette().accent2, 'line-width': 2, 'line-dasharray': [2, 1] } });
  }
  points.forEach((p, i) => {
    const el = h('div', { class: 'cluster s', 'aria-hidden': 'true' }, String(i + 1));
    new maplibregl.Marker({ element: el })
      .setLngLat([p.lon, p.lat])
      .setPopup(new maplibregl.Popup({ offset: 16 }).setDOMContent(h('div', { class: 'popup' }, p.text)))
      .addTo(map);
  });
  if (points.length > 0) {
    let w = 180;
    let s = 90;
    let e = -180;
    let n = -90;
    for (const p of points) {
      w = Math.min(w, p.lon);
      e = Math.max(e, p.lon);
      s = Math.min(s, p.lat);
      n = Math.max(n, p.lat);
    }
    const bounds: LngLatBoundsLike = [
      [w, s],
      [e, n],
    ];
    map.fitBounds(bounds, { padding: 40, maxZoom: 8, duration: 0 });
  }
  return created;
}
