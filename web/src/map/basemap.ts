// The offline basemap: Natural Earth country outlines from `world-atlas` (TopoJSON,
// shipped as hashed files in the bundle), turned into GeoJSON with `topojson-client`
// and drawn as MapLibre vector layers — no tile server, no internet. The coarse 1:110m
// outlines load first; the 1:50m ones replace them when the map zooms in. A style URL
// saved in the settings replaces the basemap for users who have a tile server.

import type { FeatureCollection, Geometry, MultiLineString } from 'geojson';
import type { Map as MlMap, StyleSpecification } from 'maplibre-gl';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import coarseUrl from 'world-atlas/countries-110m.json?url';
import fineUrl from 'world-atlas/countries-50m.json?url';

import { palette, type Palette } from '../theme';

const STYLE_KEY = 'cartographus.mapStyleUrl';

/** The saved style URL, if any. */
export function savedStyleUrl(): string | null {
  const v = localStorage.getItem(STYLE_KEY);
  return v && /^https?:\/\//.test(v) ? v : null;
}

/** Saves (or with `null` clears) the style URL. */
export function saveStyleUrl(url: string | null): void {
  if (url) localStorage.setItem(STYLE_KEY, url);
  else localStorage.removeItem(STYLE_KEY);
}

/** Countries as polygons and their shared borders as lines. */
export interface Outlines {
  land: FeatureCollection<Geometry>;
  borders: MultiLineString;
}

const cache = new Map<string, Promise<Outlines>>();

type Ring = number[][];

/**
 * Makes a line continuous across the antimeridian (a jump of more than 180° becomes a
 * step past ±180°, which MapLibre draws on the neighbouring world copy). Rings that run
 * along a pole (Antarctica) are left alone: their ±180° jump is the pole edge.
 */
export function unwrap(line: Ring): Ring {
  if (line.some(([, lat = 0]) => Math.abs(lat) >= 89.9)) return line;
  let shift = 0;
  let prev: number | null = null;
  return line.map(([lon = 0, lat = 0]) => {
    if (prev !== null) {
      const d = lon + shift - prev;
      if (d > 180) shift -= 360;
      else if (d < -180) shift += 360;
    }
    prev = lon + shift;
    return [lon + shift, lat];
  });
}

function unwrapGeometry(g: Geometry): Geometry {
  switch (g.type) {
    case 'Polygon':
      return { ...g, coordinates: g.coordinates.map(unwrap) };
    case 'MultiPolygon':
      return { ...g, coordinates: g.coordinates.map((p) => p.map(unwrap)) };
    case 'LineString':
      return { ...g, coordinates: unwrap(g.coordinates) };
    case 'MultiLineString':
      return { ...g, coordinates: g.coordinates.map(unwrap) };
    default:
      return g;
  }
}

async function loadOutlines(url: string): Promise<Outlines> {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`basemap ${resp.status}`);
  const topo = (await resp.json()) as Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
  const countries = topo.objects.countries;
  const raw = feature(topo, countries) as FeatureCollection<Geometry>;
  const land: FeatureCollection<Geometry> = {
    ...raw,
    features: raw.features.map((f) => ({ ...f, geometry: unwrapGeometry(f.geometry) })),
  };
  const borders = unwrapGeometry(mesh(topo, countries, (a, b) => a !== b)) as MultiLineString;
  return { land, borders };
}

/** The outlines at the coarse (1:110m) or fine (1:50m) scale, loaded once. */
export function outlines(fine: boolean): Promise<Outlines> {
  const url = fine ? fineUrl : coarseUrl;
  let p = cache.get(url);
  if (!p) {
    p = loadOutlines(url);
    cache.set(url, p);
  }
  return p;
}

/** The offline style: ocean background, land polygons, borders. */
export function offlineStyle(o: Outlines, p: Palette = palette()): StyleSpecification {
  return {
    version: 8,
    sources: {
      land: { type: 'geojson', data: o.land },
      borders: { type: 'geojson', data: { type: 'Feature', geometry: o.borders, properties: {} } },
    },
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': p.water } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': p.land, 'fill-outline-color': p.border } },
      { id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': p.border, 'line-width': 0.6 } },
    ],
  };
}

/** Re-colours the offline basemap for the active theme. */
export function recolour(map: MlMap, p: Palette = palette()): void {
  if (!map.getLayer('water')) return;
  map.setPaintProperty('water', 'background-color', p.water);
  map.setPaintProperty('land', 'fill-color', p.land);
  map.setPaintProperty('land', 'fill-outline-color', p.border);
  map.setPaintProperty('borders', 'line-color', p.border);
}

/** Swaps in the 1:50m outlines once the map is zoomed past `atZoom`. */
export function refineOnZoom(map: MlMap, atZoom = 3): void {
  let done = false;
  const check = (): void => {
    if (done || map.getZoom() < atZoom || !map.getSource('land')) return;
    done = true;
    outlines(true)
      .then((o) => {
        const land = map.getSource('land');
        const borders = map.getSource('borders');
        if (land && 'setData' in land) void (land as unknown as { setData(d: unknown): Promise<void> }).setData(o.land);
        if (borders && 'setData' in borders)
          void (borders as unknown as { setData(d: unknown): Promise<void> }).setData({ type: 'Feature', geometry: o.borders, properties: {} });
      })
      .catch((e: unknown) => console.warn('fine outlines failed', e));
  };
  map.on('zoomend', check);
}
