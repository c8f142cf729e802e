// Creates a MapLibre map with the offline basemap (or the saved style URL), navigation
// and attribution controls, theme-following colours and the worker served from the
// bundle (MapLibre 6 looks for its worker beside its own module, which a bundle moves).

import 'maplibre-gl/dist/maplibre-gl.css';

import * as maplibregl from 'maplibre-gl';
import type { Map as MlMap } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

import { onTheme, palette } from '../theme';
import { offlineStyle, outlines, recolour, refineOnZoom, savedStyleUrl } from './basemap';

maplibregl.setWorkerUrl(workerUrl);

/** Options of {@link createMap}. */
export interface MapOptions {
  /** Initial centre `[lon, lat]`. */
  center?: [number, number];
  /** Initial zoom. */
  zoom?: number;
  /** Small inset map: no rotation, compact controls. */
  compact?: boolean;
}

/** The created map and how to dispose of it. */
export interface CreatedMap {
  map: MlMap;
  /** Whether the offline basemap is in use (false with a style URL). */
  offline: boolean;
  /** Removes the map and its listeners. */
  destroy(): void;
}

/** Creates a map in `container`; resolves when its style has loaded. */
export async function createMap(container: HTMLElement, opts: MapOptions = {}): Promise<CreatedMap> {
  const url = savedStyleUrl();
  const style = url ?? offlineStyle(await outlines(false));
  const map = new maplibregl.Map({
    container,
    style,
    center: opts.center ?? [10, 30],
    zoom: opts.zoom ?? 1.3,
    minZoom: 0,
    maxZoom: 14,
    attributionControl: false,
    dragRotate: !opts.compact,
    pitchWithRotate: false,
    renderWorldCopies: true,
    cooperativeGestures: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: !opts.compact, visualizePitch: false }), 'top-right');
  map.addControl(
    new maplibregl.AttributionControl({
      compact: true,
      customAttribution: url ? 'IP geolocation by DB-IP (CC BY 4.0)' : 'Natural Earth · IP geolocation by DB-IP (CC BY 4.0)',
    }),
    'bottom-right',
  );
  if (!opts.compact) map.addControl(new maplibregl.ScaleControl({}), 'bottom-left');
  map.keyboard.enable();
  const offline = url === null;
  if (offline) refineOnZoom(map);
  const off = onTheme(() => {
    if (offline) recolour(map, palette());
  });
  await new Promise<void>((resolve, reject) => {
    if (map.loaded()) {
      resolve();
      return;
    }
    map.once('load', () => resolve());
    map.once('error', (e: { error?: unknown }) => reject(e.error instanceof Error ? e.error : new Error('the map failed to load')));
  });
  return {
    map,
    offline,
    destroy() {
      off();
      map.remove();
    },
  };
}

export { maplibregl };
