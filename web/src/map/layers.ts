// The Map page's data layers on a MapLibre map: places (clustered points and a heatmap
// from one set of features), H3 hexagons and arcs to the server, and the conversion of
// API answers into their GeoJSON.

import type { Feature, FeatureCollection, Point, Polygon, LineString } from 'geojson';
import type { ExpressionSpecification, Map as MlMap } from 'maplibre-gl';

import type { Arc, Hexagon, LocationStats } from '../api/types';
import { palette, type Palette } from '../theme';
import { greatCircle } from './geo';

/** Properties of a place feature (times as epoch milliseconds for cluster maths). */
export interface PlaceProps {
  id: number;
  city: string;
  region: string;
  country: string;
  plays: number;
  users: number;
  watch_s: number;
  first: number;
  last: number;
}

/** The display modes. */
export type Mode = 'points' | 'heat' | 'hex';

const empty = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] });

/** Places as point features. */
export function placeFeatures(places: LocationStats[]): FeatureCollection<Point, PlaceProps> {
  return {
    type: 'FeatureCollection',
    features: places.map((p, i) => ({
      type: 'Feature',
      id: i + 1,
      geometry: { type: 'Point', coordinates: [p.longitude, p.latitude] },
      properties: {
        id: i + 1,
        city: p.city ?? '',
        region: p.region ?? '',
        country: p.country_name ?? p.country_code ?? '',
        plays: p.plays,
        users: p.users,
        watch_s: p.watch_time_s,
        first: p.first_seen ? Date.parse(p.first_seen) : 0,
        last: p.last_seen ? Date.parse(p.last_seen) : 0,
      },
    })),
  };
}

/** Hexagons as polygons (cell boundaries from h3-js, loaded on first use). */
export async function hexFeatures(hexes: Hexagon[]): Promise<FeatureCollection<Polygon>> {
  const { cellToBoundary } = await import('h3-js');
  const features: Feature<Polygon>[] = [];
  for (const hx of hexes) {
    let ring: number[][];
    try {
      ring = cellToBoundary(hx.cell, true);
    } catch {
      continue;
    }
    // Keep rings continuous across the antimeridian.
    const first = ring[0]?.[0] ?? 0;
    ring = ring.map(([lon = 0, lat = 0]) => [lon - first > 180 ? lon - 360 : lon - first < -180 ? lon + 360 : lon, lat]);
    features.push({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: { cell: hx.cell, plays: hx.plays, users: hx.users, completion: hx.avg_completion },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Arcs as great-circle lines. */
export function arcFeatures(arcs: Arc[]): FeatureCollection<LineString> {
  return {
    type: 'FeatureCollection',
    features: arcs.map((a) => ({
      type: 'Feature',
      geometry: {
        type: 'LineString',
        coordinates: greatCircle([a.from.longitude, a.from.latitude], [a.to.longitude, a.to.latitude]),
      },
      properties: { plays: a.plays, users: a.users, km: a.distance_km, city: a.from.city ?? '' },
    })),
  };
}

function hexColour(p: Palette, max: number): ExpressionSpecification {
  const m = Math.max(max, 2);
  return [
    'interpolate',
    ['linear'],
    ['ln', ['max', 1, ['get', 'plays']]],
    0,
    p.heat[1] ?? '#888',
    Math.log(m) / 2,
    p.heat[2] ?? '#888',
    Math.log(m),
    p.heat[3] ?? '#888',
  ];
}

/** Adds the sources and layers (all empty) to a loaded map. */
export function addDataLayers(map: MlMap): void {
  const p = palette();
  map.addSource('places', {
    type: 'geojson',
    data: empty(),
    cluster: true,
    clusterRadius: 48,
    clusterMaxZoom: 12,
    clusterProperties: {
      plays: ['+', ['get', 'plays']],
      users: ['+', ['get', 'users']],
      last: ['max', ['get', 'last']],
    },
  });
  map.addSource('places-heat', { type: 'geojson', data: empty() });
  map.addSource('hexes', { type: 'geojson', data: empty() });
  map.addSource('arcs', { type: 'geojson', data: empty(), lineMetrics: true });
  map.addLayer({
    id: 'hex-fill',
    type: 'fill',
    source: 'hexes',
    layout: { visibility: 'none' },
    paint: { 'fill-color': hexColour(p, 100), 'fill-opacity': 0.75 },
  });
  map.addLayer({
    id: 'hex-line',
    type: 'line',
    source: 'hexes',
    layout: { visibility: 'none' },
    paint: { 'line-color': p.surface, 'line-width': 0.5, 'line-opacity': 0.6 },
  });
  map.addLayer({
    id: 'heat',
    type: 'heatmap',
    source: 'places-heat',
    layout: { visibility: 'none' },
    paint: {
      'heatmap-weight': ['interpolate', ['linear'], ['ln', ['max', 1, ['get', 'plays']]], 0, 0.1, 8, 1],
      'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 0, 0.8, 9, 2.5],
      'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 0, 12, 9, 30],
      'heatmap-color': heatRamp(p),
      'heatmap-opacity': 0.85,
    },
  });
  map.addLayer({
    id: 'arcs-line',
    type: 'line',
    source: 'arcs',
    layout: { visibility: 'none', 'line-cap': 'round' },
    paint: {
      'line-color': p.accent2,
      'line-opacity': 0.55,
      'line-width': ['interpolate', ['linear'], ['ln', ['max', 1, ['get', 'plays']]], 0, 0.6, 8, 3],
    },
  });
  map.addLayer({
    id: 'points',
    type: 'circle',
    source: 'places',
    filter: ['!', ['has', 'point_count']],
    paint: {
      'circle-color': p.accent,
      'circle-opacity': 0.85,
      'circle-stroke-color': p.surface,
      'circle-stroke-width': 1,
      'circle-radius': ['interpolate', ['linear'], ['ln', ['max', 1, ['get', 'plays']]], 0, 4, 8, 14],
    },
  });
}

function heatRamp(p: Palette): ExpressionSpecification {
  return [
    'interpolate',
    ['linear'],
    ['heatmap-density'],
    0,
    'rgba(0,0,0,0)',
    0.2,
    p.heat[1] ?? '#888',
    0.45,
    p.heat[2] ?? '#888',
    0.7,
    p.heat[3] ?? '#888',
    1,
    p.heat[4] ?? '#fff',
  ];
}

/** Re-colours the data layers for the active theme. */
export function recolourData(map: MlMap, maxPlays: number): void {
  const p = palette();
  map.setPaintProperty('hex-fill', 'fill-color', hexColour(p, maxPlays));
  map.setPaintProperty('hex-line', 'line-color', p.surface);
  map.setPaintProperty('heat', 'heatmap-color', heatRamp(p));
  map.setPaintProperty('arcs-line', 'line-color', p.accent2);
  map.setPaintProperty('points', 'circle-color', p.accent);
  map.setPaintProperty('points', 'circle-stroke-color', p.surface);
}

/** Shows the layers of `mode` (and the arcs when `arcs`). */
export function showMode(map: MlMap, mode: Mode, arcs: boolean): void {
  const vis = (id: string, on: boolean): void => {
    map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  };
  vis('points', mode === 'points');
  vis('heat', mode === 'heat');
  vis('hex-fill', mode === 'hex');
  vis('hex-line', mode === 'hex');
  vis('arcs-line', arcs);
}

/** Sets a GeoJSON source's data. */
export function setData(map: MlMap, source: string, data: FeatureCollection): void {
  const s = map.getSource(source);
  if (s && 'setData' in s) void (s as unknown as { setData(d: FeatureCollection): Promise<void> }).setData(data);
}

/** The colour expression's max for hexagons after new data. */
export function maxOf(values: number[]): number {
  let m = 1;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** Updates the hexagon colour scale for a new maximum. */
export function rescaleHexes(map: MlMap, maxPlays: number): void {
  map.setPaintProperty('hex-fill', 'fill-color', hexColour(palette(), maxPlays));
}
