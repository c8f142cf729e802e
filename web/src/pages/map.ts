// The Map page: where viewers are. Places in the viewport (asked from
// `/spatial/viewport`, debounced) as clustered points with count markers and popups, a
// heatmap mode, an H3 hexagon mode (resolution 6/7/8 by zoom) and arcs to the server.
// Mode and arcs live in the URL beside the filter.

import type { GeoJSONSource, Map as MlMap, MapGeoJSONFeature, Popup } from 'maplibre-gl';

import { describe, get, isAbort } from '../api/client';
import type { Arc, Hexagon, LocationStats } from '../api/types';
import { debounce, errorLine, h, replace } from '../dom';
import { ago, duration, n, short, when } from '../format';
import { saveStyleUrl, savedStyleUrl } from '../map/basemap';
import { createMap, maplibregl, type CreatedMap } from '../map/create';
import { resolutionFor, viewportBox } from '../map/geo';
import {
  addDataLayers,
  arcFeatures,
  hexFeatures,
  maxOf,
  placeFeatures,
  recolourData,
  rescaleHexes,
  setData,
  showMode,
  type Mode,
  type PlaceProps,
} from '../map/layers';
import type { Cleanup, PageContext } from '../router';
import { DEBOUNCE_MS, filters } from '../state/filters';
import { onTheme } from '../theme';

function pageParam(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

function setPageParam(name: string, value: string | null): void {
  const q = new URLSearchParams(location.search);
  if (value === null) q.delete(name);
  else q.set(name, value);
  const s = q.toString();
  history.replaceState(history.state, '', location.pathname + (s ? `?${s}` : ''));
}

function placeCard(p: PlaceProps): HTMLElement {
  const where = [p.city, p.region, p.country].filter(Boolean).join(', ') || 'Unknown place';
  return h(
    'div',
    { class: 'popup' },
    h('h3', null, where),
    h(
      'dl',
      null,
      h('dt', null, 'Plays'),
      h('dd', null, n(p.plays)),
      h('dt', null, 'Users'),
      h('dd', null, n(p.users)),
      h('dt', null, 'Watched'),
      h('dd', null, duration(p.watch_s)),
      h('dt', null, 'Last seen'),
      h('dd', null, p.last ? `${when(new Date(p.last).toISOString())} (${ago(new Date(p.last).toISOString())})` : '–'),
    ),
  );
}

/** Mounts the page. */
export async function mount(root: HTMLElement, _ctx: PageContext): Promise<Cleanup> {
  let mode: Mode = (['points', 'heat', 'hex'] as const).find((m) => m === pageParam('mode')) ?? 'points';
  let arcsOn = pageParam('arcs') === '1';
  const status = h('p', { class: 'map-status', role: 'status', 'aria-live': 'polite' }, 'Loading the map…');
  const mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': 'Map of plays' });
  const list = h('ol', { class: 'place-list' });

  const modeBtns = (['points', 'heat', 'hex'] as const).map((m) =>
    h(
      'button',
      { type: 'button', class: 'seg', 'data-mode': m, 'aria-pressed': String(m === mode), onclick: () => setMode(m) },
      { points: 'Points', heat: 'Heatmap', hex: 'Hexagons' }[m],
    ),
  );
  const arcsBox = h('input', { type: 'checkbox', id: 'arcs-toggle', checked: arcsOn });
  const styleInput = h('input', { type: 'url', placeholder: 'https://…/style.json', value: savedStyleUrl() ?? '', 'aria-label': 'Map style URL' });
  const settings = h(
    'details',
    { class: 'map-settings' },
    h('summary', null, 'Basemap'),
    h(
      'form',
      {
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          saveStyleUrl(styleInput.value.trim() || null);
          location.reload();
        },
      },
      h('p', { class: 'small muted' }, 'The built-in basemap works offline. A MapLibre style URL from your own tile server replaces it (the server’s Content-Security-Policy must allow that host).'),
      styleInput,
      h('div', { class: 'row' }, h('button', { class: 'btn primary', type: 'submit' }, 'Use style'), h('button', { class: 'btn', type: 'button', onclick: () => { saveStyleUrl(null); location.reload(); } }, 'Built-in basemap')),
    ),
  );

  replace(
    root,
    h(
      'section',
      { class: 'page map-page', 'aria-labelledby': 'map-title' },
      h(
        'div',
        { class: 'toolbar' },
        h('h1', { id: 'map-title' }, 'Map'),
        h('div', { class: 'segmented', role: 'group', 'aria-label': 'Display' }, modeBtns),
        h('label', { class: 'check' }, arcsBox, ' Arcs to server'),
        settings,
        status,
      ),
      h('div', { class: 'map-layout' }, h('div', { class: 'map-wrap' }, mapEl), h('aside', { class: 'places', 'aria-label': 'Places in view' }, h('h2', null, 'Places in view'), list)),
    ),
  );

  let created: CreatedMap;
  try {
    created = await createMap(mapEl);
  } catch (e) {
    replace(status, errorLine(`The map could not start: ${describe(e)}`));
    return () => undefined;
  }
  const map: MlMap = created.map;
  addDataLayers(map);
  showMode(map, mode, arcsOn);

  let places: LocationStats[] = [];
  let hexMax = 1;
  let viewportCtl: AbortController | null = null;
  let hexCtl: AbortController | null = null;
  let hexRes: number | null = null;
  let arcsLoaded = false;
  let popup: Popup | null = null;

  const openPopup = (lngLat: [number, number], content: HTMLElement): void => {
    popup?.remove();
    popup = new maplibregl.Popup({ closeButton: true, maxWidth: '320px', focusAfterOpen: true }).setLngLat(lngLat).setDOMContent(content).addTo(map);
  };

  const renderList = (): void => {
    const top = places.slice(0, 25);
    replace(
      list,
      top.length === 0 ? h('li', { class: 'muted' }, 'No located plays in view.') : null,
      top.map((p, i) =>
        h(
          'li',
          null,
          h(
            'button',
            {
              type: 'button',
              class: 'place-btn',
              onclick: () => {
                const props = placeFeatures([p]).features[0]?.properties;
                map.flyTo({ center: [p.longitude, p.latitude], zoom: Math.max(map.getZoom(), 6) });
                if (props) openPopup([p.longitude, p.latitude], placeCard({ ...props, id: i + 1 }));
              },
            },
            h('span', null, [p.city, p.country_code].filter(Boolean).join(', ') || 'Unknown place'),
            h('span', { class: 'muted' }, `${short(p.plays)} plays`),
          ),
        ),
      ),
    );
  };

  const loadViewport = async (): Promise<void> => {
    viewportCtl?.abort();
    const ctl = new AbortController();
    viewportCtl = ctl;
    const b = map.getBounds();
    const box = viewportBox(b.getWest(), b.getSouth(), b.getEast(), b.getNorth());
    status.textContent = 'Loading places…';
    try {
      places = await get<LocationStats[]>('/spatial/viewport', { params: { ...box }, filter: true, signal: ctl.signal });
    } catch (e) {
      if (isAbort(e)) return;
      replace(status, errorLine(`Places could not be loaded: ${describe(e)}`));
      return;
    }
    const fc = placeFeatures(places);
    setData(map, 'places', fc);
    setData(map, 'places-heat', fc);
    const plays = places.reduce((s, p) => s + p.plays, 0);
    status.textContent = `${n(places.length)} places, ${n(plays)} plays in view`;
    mapEl.dataset.places = String(places.length);
    renderList();
  };

  const loadHexes = async (force = false): Promise<void> => {
    if (mode !== 'hex') return;
    const res = resolutionFor(map.getZoom());
    if (!force && res === hexRes) return;
    hexRes = res;
    hexCtl?.abort();
    const ctl = new AbortController();
    hexCtl = ctl;
    try {
      const hexes = await get<Hexagon[]>('/spatial/hexagons', { params: { resolution: res }, filter: true, signal: ctl.signal });
      const fc = await hexFeatures(hexes);
      hexMax = maxOf(hexes.map((x) => x.plays));
      rescaleHexes(map, hexMax);
      setData(map, 'hexes', fc);
      mapEl.dataset.hexagons = String(fc.features.length);
      mapEl.dataset.resolution = String(res);
    } catch (e) {
      if (!isAbort(e)) replace(status, errorLine(`Hexagons could not be loaded: ${describe(e)}`));
    }
  };

  const loadArcs = async (): Promise<void> => {
    if (!arcsOn) return;
    try {
      const arcs = await get<Arc[]>('/spatial/arcs', { filter: true });
      setData(map, 'arcs', arcFeatures(arcs));
      arcsLoaded = true;
    } catch (e) {
      replace(status, errorLine(`Arcs could not be loaded: ${describe(e)}`));
    }
  };

  const setMode = (m: Mode): void => {
    mode = m;
    setPageParam('mode', m === 'points' ? null : m);
    for (const b of modeBtns) b.setAttribute('aria-pressed', String(b.dataset.mode === m));
    showMode(map, mode, arcsOn);
    syncMarkers();
    if (m === 'hex') void loadHexes(true);
  };
  arcsBox.addEventListener('change', () => {
    arcsOn = arcsBox.checked;
    setPageParam('arcs', arcsOn ? '1' : null);
    showMode(map, mode, arcsOn);
    if (arcsOn && !arcsLoaded) void loadArcs();
  });

  // Cluster count markers: HTML buttons (no glyphs needed offline, and keyboard-focusable).
  const markers = new Map<number, maplibregl.Marker>();
  const syncMarkers = (): void => {
    const keep = new Set<number>();
    if (mode === 'points' && map.getSource('places') && map.isSourceLoaded('places')) {
      for (const f of map.querySourceFeatures('places', { filter: ['has', 'point_count'] })) {
        const props = f.properties as { cluster_id: number; point_count: number; plays: number; users: number; last: number };
        const id = props.cluster_id;
        if (keep.has(id)) continue;
        keep.add(id);
        if (markers.has(id)) continue;
        const coords = (f.geometry as unknown as { coordinates: [number, number] }).coordinates;
        const size = props.plays >= 10_000 ? 'xl' : props.plays >= 1000 ? 'l' : props.plays >= 100 ? 'm' : 's';
        const el = h(
          'button',
          {
            type: 'button',
            class: `cluster ${size}`,
            'aria-label': `${n(props.point_count)} places, ${n(props.plays)} plays`,
            'data-cluster': id,
          },
          short(props.plays),
        );
        el.addEventListener('click', (ev) => {
          ev.stopPropagation();
          void clusterPopup(id, coords, props);
        });
        markers.set(id, new maplibregl.Marker({ element: el }).setLngLat(coords).addTo(map));
      }
    }
    for (const [id, m] of markers) {
      if (!keep.has(id)) {
        m.remove();
        markers.delete(id);
      }
    }
  };

  const clusterPopup = async (
    id: number,
    coords: [number, number],
    props: { point_count: number; plays: number; users: number; last: number },
  ): Promise<void> => {
    const src = map.getSource<GeoJSONSource>('places');
    if (!src) return;
    const [leaves, zoom] = await Promise.all([src.getClusterLeaves(id, 8, 0), src.getClusterExpansionZoom(id)]);
    const top = leaves
      .map((f) => f.properties as PlaceProps)
      .sort((a, b) => b.plays - a.plays)
      .slice(0, 6);
    const card = h(
      'div',
      { class: 'popup cluster-popup' },
      h('h3', null, `${n(props.point_count)} places`),
      h('p', null, `${n(props.plays)} plays · ${n(props.users)} users (summed over places) · last seen ${props.last ? ago(new Date(props.last).toISOString()) : '–'}`),
      h(
        'ul',
        null,
        top.map((p) => h('li', null, `${[p.city, p.country].filter(Boolean).join(', ') || 'Unknown'}: ${n(p.plays)} plays, ${n(p.users)} users, last ${p.last ? ago(new Date(p.last).toISOString()) : '–'}`)),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn primary',
          onclick: () => {
            popup?.remove();
            map.easeTo({ center: coords, zoom: Math.min(zoom, 14) });
          },
        },
        'Zoom in',
      ),
    );
    openPopup(coords, card);
  };

  map.on('click', 'points', (ev) => {
    const f: MapGeoJSONFeature | undefined = ev.features?.[0];
    if (!f) return;
    const coords = (f.geometry as unknown as { coordinates: [number, number] }).coordinates;
    openPopup(coords, placeCard(f.properties as PlaceProps));
  });
  map.on('mouseenter', 'points', () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', 'points', () => (map.getCanvas().style.cursor = ''));
  map.on('render', syncMarkers);

  const onMove = debounce(() => {
    void loadViewport();
    void loadHexes();
  }, DEBOUNCE_MS);
  map.on('moveend', onMove);

  const reloadAll = (): void => {
    arcsLoaded = false;
    void loadViewport();
    void loadHexes(true);
    void loadArcs();
  };
  const offFilter = filters.subscribe(reloadAll);
  const offTheme = onTheme(() => recolourData(map, hexMax));
  reloadAll();

  return () => {
    offFilter();
    offTheme();
    viewportCtl?.abort();
    hexCtl?.abort();
    for (const m of markers.values()) m.remove();
    created.destroy();
  };
}
