// The Globe page (deck.gl GlobeView): recent plays on a 3D globe as H3 hexagon columns,
// arcs to the server and points, with a time slider that plays back the last 24 hours or
// 7 days. Plays come from `/spatial/plays.geojson`; hexagons are aggregated in the
// browser for the slider's window, so scrubbing needs no request.

import { Deck, _GlobeView as GlobeView, type PickingInfo } from '@deck.gl/core';
import { H3HexagonLayer } from '@deck.gl/geo-layers';
import { ArcLayer, GeoJsonLayer, ScatterplotLayer, SolidPolygonLayer } from '@deck.gl/layers';
import { latLngToCell } from 'h3-js';

import { describe, get } from '../api/client';
import type { Arc, FeatureCollection, PlayProperties } from '../api/types';
import { errorLine, h, replace } from '../dom';
import { n, when } from '../format';
import { outlines } from '../map/basemap';
import type { Cleanup, PageContext } from '../router';
import { emptyFilter, filters, type Filter } from '../state/filters';
import { onTheme, palette } from '../theme';

type Rgba = [number, number, number, number];

function rgba(hex: string, a = 255): Rgba {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1] ?? '0', 16), parseInt(m[2] ?? '0', 16), parseInt(m[3] ?? '0', 16), a] : [128, 128, 128, a];
}

interface Play {
  t: number;
  lon: number;
  lat: number;
  cell: string;
  p: PlayProperties;
}

interface Cell {
  cell: string;
  plays: number;
}

const SPANS = { '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 } as const;
type Span = keyof typeof SPANS;

/** The filter for the globe: the shared one over the last day or week. */
function spanFilter(span: Span): Filter {
  const f = structuredClone(filters.current);
  const base = emptyFilter();
  f.start = base.start;
  f.end = base.end;
  f.days = span === '24h' ? 1 : 7;
  return f;
}

/** Mounts the page. */
export async function mount(root: HTMLElement, _ctx: PageContext): Promise<Cleanup> {
  let span: Span = new URLSearchParams(location.search).get('span') === '24h' ? '24h' : '7d';
  const el = h('div', { class: 'globe', id: 'globe', role: 'region', 'aria-label': 'Globe of recent plays' });
  const tip = h('div', { class: 'globe-tip', hidden: true });
  el.appendChild(tip);
  const status = h('p', { class: 'map-status', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  const slider = h('input', { type: 'range', min: 0, max: 1000, value: 1000, step: 1, id: 'time-slider', 'aria-label': 'Time' });
  const clock = h('output', { for: 'time-slider' }, '');
  const play = h('button', { type: 'button', class: 'btn', 'aria-pressed': 'false' }, '▶ Play');
  const all = h('input', { type: 'checkbox', id: 'globe-all', checked: true });
  const spanBtns = (Object.keys(SPANS) as Span[]).map((s) =>
    h('button', { type: 'button', class: 'seg', 'data-span': s, 'aria-pressed': String(s === span) }, s === '24h' ? 'Last 24 h' : 'Last 7 days'),
  );
  replace(
    root,
    h(
      'section',
      { class: 'page', 'aria-labelledby': 'globe-title' },
      h('div', { class: 'toolbar' }, h('h1', { id: 'globe-title' }, 'Globe'), h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time span' }, spanBtns), status),
      el,
      h('div', { class: 'slider' }, play, slider, clock, h('label', { class: 'check' }, all, ' Whole span')),
    ),
  );

  const land = await outlines(false);
  let plays: Play[] = [];
  let arcTarget: [number, number] | null = null;
  let t0 = 0;
  let t1 = 0;
  let timer: number | undefined;

  const deck = new Deck({
    parent: el,
    views: new GlobeView({ resolution: 10 }),
    initialViewState: { longitude: 10, latitude: 35, zoom: 1.5 },
    controller: { keyboard: true, scrollZoom: true },
    getTooltip: undefined,
    onHover: (info: PickingInfo) => showTip(info),
  });
  const canvas = el.querySelector('canvas');
  canvas?.setAttribute('tabindex', '0');
  canvas?.setAttribute('aria-label', 'Globe: drag or use the arrow keys to turn it, + and − to zoom');

  const showTip = (info: PickingInfo): void => {
    const o = info.object as (Cell & { p?: undefined }) | Play | undefined;
    if (!o || info.x < 0) {
      tip.hidden = true;
      return;
    }
    tip.textContent = 'p' in o && o.p ? `${o.p.user}: ${o.p.title} · ${o.p.city ?? ''} · ${when(o.p.started_at)}` : `${n((o as Cell).plays)} plays`;
    tip.style.left = `${info.x + 12}px`;
    tip.style.top = `${info.y + 12}px`;
    tip.hidden = false;
  };

  const windowMs = (): number => SPANS[span] / 8;
  const cursor = (): number => t0 + ((t1 - t0) * Number(slider.value)) / 1000;

  const render = (): void => {
    const p = palette();
    const inWindow = all.checked ? plays : plays.filter((x) => x.t <= cursor() && x.t > cursor() - windowMs());
    const counts = new Map<string, number>();
    for (const x of inWindow) counts.set(x.cell, (counts.get(x.cell) ?? 0) + 1);
    const cells: Cell[] = [...counts.entries()].map(([cell, c]) => ({ cell, plays: c }));
    const max = Math.max(1, ...cells.map((c) => c.plays));
    clock.textContent = all.checked ? `${n(inWindow.length)} plays` : `${when(new Date(cursor()).toISOString())} · ${n(inWindow.length)} plays`;
    el.dataset.plays = String(inWindow.length);
    const heat = p.heat.map((c) => rgba(c, 230));
    deck.setProps({
      layers: [
        new SolidPolygonLayer({
          id: 'ocean',
          data: [
            [
              [-180, 90],
              [0, 90],
              [180, 90],
              [180, -90],
              [0, -90],
              [-180, -90],
            ] as [number, number][],
          ],
          getPolygon: (d: [number, number][]) => d,
          getFillColor: rgba(p.water),
        }),
        new GeoJsonLayer({
          id: 'land',
          data: land.land.features,
          filled: true,
          stroked: true,
          getFillColor: rgba(p.land),
          getLineColor: rgba(p.border),
          lineWidthMinPixels: 0.5,
        }),
        new H3HexagonLayer<Cell>({
          id: 'hexagons',
          data: cells,
          getHexagon: (d) => d.cell,
          extruded: true,
          elevationScale: 1,
          getElevation: (d) => 20_000 + 600_000 * (d.plays / max),
          getFillColor: (d) => heat[Math.min(heat.length - 1, 1 + Math.floor((d.plays / max) * (heat.length - 2)))] ?? rgba(p.accent2),
          pickable: true,
          updateTriggers: { getElevation: max, getFillColor: [max, p.accent2] },
        }),
        new ScatterplotLayer<Play>({
          id: 'points',
          data: inWindow,
          getPosition: (d) => [d.lon, d.lat],
          getRadius: 25_000,
          radiusMinPixels: 2.5,
          getFillColor: rgba(p.accent, 200),
          pickable: true,
        }),
        arcTarget
          ? new ArcLayer<Play>({
              id: 'arcs',
              data: inWindow.slice(0, 3000),
              greatCircle: true,
              getSourcePosition: (d) => [d.lon, d.lat],
              getTargetPosition: () => arcTarget ?? [0, 0],
              getSourceColor: rgba(p.accent, 160),
              getTargetColor: rgba(p.accent2, 200),
              getWidth: 1.5,
              widthMinPixels: 1,
            })
          : null,
      ],
    });
  };

  const load = async (): Promise<void> => {
    status.textContent = 'Loading plays…';
    try {
      const f = spanFilter(span);
      const [fc, arcs] = await Promise.all([
        get<FeatureCollection<PlayProperties>>('/spatial/plays.geojson', { filter: f, params: { limit: 20000 } }),
        get<Arc[]>('/spatial/arcs', { filter: f, params: { limit: 1 } }).catch(() => [] as Arc[]),
      ]);
      plays = fc.features
        .map((x) => {
          const [lon = 0, lat = 0] = x.geometry.coordinates;
          return { t: Date.parse(x.properties.started_at), lon, lat, cell: latLngToCell(lat, lon, 3), p: x.properties };
        })
        .filter((x) => Number.isFinite(x.t));
      const a = arcs[0];
      arcTarget = a ? [a.to.longitude, a.to.latitude] : null;
      t1 = plays.reduce((m, x) => Math.max(m, x.t), Date.now());
      t0 = t1 - SPANS[span];
      status.textContent = `${n(plays.length)} located plays in the ${span === '24h' ? 'last 24 hours' : 'last 7 days'}`;
      render();
    } catch (e) {
      replace(status, errorLine(`Plays could not be loaded: ${describe(e)}`));
    }
  };

  const stop = (): void => {
    window.clearInterval(timer);
    timer = undefined;
    play.textContent = '▶ Play';
    play.setAttribute('aria-pressed', 'false');
  };
  play.addEventListener('click', () => {
    if (timer !== undefined) {
      stop();
      return;
    }
    all.checked = false;
    if (Number(slider.value) >= 1000) slider.value = '0';
    play.textContent = '❚❚ Pause';
    play.setAttribute('aria-pressed', 'true');
    timer = window.setInterval(() => {
      const v = Number(slider.value) + 5;
      slider.value = String(v > 1000 ? 0 : v);
      render();
    }, 60);
  });
  slider.addEventListener('input', () => {
    all.checked = false;
    render();
  });
  all.addEventListener('change', render);
  for (const b of spanBtns) {
    b.addEventListener('click', () => {
      span = b.dataset.span === '24h' ? '24h' : '7d';
      for (const x of spanBtns) x.setAttribute('aria-pressed', String(x === b));
      const q = new URLSearchParams(location.search);
      q.set('span', span);
      history.replaceState(history.state, '', `${location.pathname}?${q.toString()}`);
      void load();
    });
  }
  const offFilter = filters.subscribe(() => void load());
  const offTheme = onTheme(render);
  await load();
  return () => {
    stop();
    offFilter();
    offTheme();
    deck.finalize();
  };
}
