// Lazily loaded cards: each card fetches its data and draws itself when it scrolls into
// view (IntersectionObserver), so a page's queries run in parallel for what is visible
// and never for what is not. A filter change reloads visible cards and marks the others
// stale; a theme change re-draws charts from their last option.

import { describe, isAbort } from '../api/client';
import { errorLine, h, replace } from '../dom';
import { filters } from '../state/filters';
import { onTheme, theme } from '../theme';
import { draw, echarts, type ChartOption } from './echarts';

/** What a card's loader returns: a chart option, a DOM node, or both (chart above). */
export type CardContent = ChartOption | HTMLElement | { chart: ChartOption; below: HTMLElement } | null;

/** One card. */
export interface CardSpec {
  /** Stable id (`data-card`), used by tests. */
  id: string;
  /** Heading. */
  title: string;
  /** Loads the content; `null` means "no data". */
  load: (signal: AbortSignal) => Promise<CardContent>;
  /** Spans the whole row. */
  wide?: boolean;
  /** Taller chart. */
  tall?: boolean;
  /** A line under the heading. */
  note?: string;
}

interface CardState {
  spec: CardSpec;
  el: HTMLElement;
  body: HTMLElement;
  visible: boolean;
  stale: boolean;
  ctl: AbortController | null;
  option: ChartOption | null;
  chartEl: HTMLElement | null;
}

function isOption(c: CardContent): c is ChartOption {
  return c !== null && !(c instanceof HTMLElement) && !('chart' in c && 'below' in c);
}

/** A grid of lazy cards and how to tear it down. */
export function cardGrid(specs: CardSpec[]): { el: HTMLElement; destroy: () => void } {
  const states: CardState[] = [];
  const grid = h('div', { class: 'grid' });

  const load = async (s: CardState): Promise<void> => {
    s.stale = false;
    s.ctl?.abort();
    const ctl = new AbortController();
    s.ctl = ctl;
    s.el.dataset.state = 'loading';
    s.el.setAttribute('aria-busy', 'true');
    let content: CardContent;
    try {
      content = await s.spec.load(ctl.signal);
    } catch (e) {
      if (isAbort(e) || ctl.signal.aborted) return;
      s.el.dataset.state = 'error';
      s.el.removeAttribute('aria-busy');
      replace(s.body, errorLine(describe(e)));
      return;
    }
    if (ctl.signal.aborted) return;
    s.el.removeAttribute('aria-busy');
    s.option = null;
    s.chartEl = null;
    if (content === null) {
      s.el.dataset.state = 'empty';
      replace(s.body, h('p', { class: 'muted' }, 'No data for this filter.'));
      return;
    }
    s.el.dataset.state = 'ready';
    let option: ChartOption | null = null;
    let below: HTMLElement | null = null;
    if (content instanceof HTMLElement) below = content;
    else if (isOption(content)) option = content;
    else {
      option = content.chart;
      below = content.below;
    }
    const old = s.body.querySelector<HTMLElement>('.chart');
    if (old) echarts.getInstanceByDom(old)?.dispose();
    replace(s.body);
    if (option) {
      const chartEl = h('div', { class: s.spec.tall ? 'chart tall' : 'chart', role: 'img', 'aria-label': s.spec.title });
      s.body.appendChild(chartEl);
      s.option = option;
      s.chartEl = chartEl;
      draw(chartEl, option, theme());
    }
    if (below) s.body.appendChild(below);
  };

  const io = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const s = states.find((x) => x.el === e.target);
        if (!s) continue;
        s.visible = e.isIntersecting;
        if (s.visible && s.stale) void load(s);
      }
    },
    { rootMargin: '120px' },
  );

  for (const spec of specs) {
    const body = h('div', { class: 'card-body' });
    const el = h(
      'section',
      { class: `panel chart-card${spec.wide ? ' wide' : ''}`, 'data-card': spec.id, 'data-state': 'idle', 'aria-label': spec.title },
      h('h2', null, spec.title),
      spec.note ? h('p', { class: 'muted small' }, spec.note) : null,
      body,
    );
    const s: CardState = { spec, el, body, visible: false, stale: true, ctl: null, option: null, chartEl: null };
    states.push(s);
    grid.appendChild(el);
    io.observe(el);
  }

  const onResize = (): void => {
    for (const s of states) if (s.chartEl) echarts.getInstanceByDom(s.chartEl)?.resize();
  };
  window.addEventListener('resize', onResize);
  const offFilter = filters.subscribe(() => {
    for (const s of states) {
      s.stale = true;
      if (s.visible) void load(s);
    }
  });
  const offTheme = onTheme((t) => {
    for (const s of states) if (s.chartEl && s.option) draw(s.chartEl, s.option, t);
  });

  return {
    el: grid,
    destroy() {
      io.disconnect();
      offFilter();
      offTheme();
      window.removeEventListener('resize', onResize);
      for (const s of states) {
        s.ctl?.abort();
        if (s.chartEl) echarts.getInstanceByDom(s.chartEl)?.dispose();
      }
    },
  };
}

/** A simple table: headers and rows of cells (numbers right-aligned). */
export function table(headers: string[], rows: (string | number | Node)[][], numeric: number[] = []): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('thead', null, h('tr', null, headers.map((t, i) => h('th', { class: numeric.includes(i) ? 'num' : null, scope: 'col' }, t)))),
      h(
        'tbody',
        null,
        rows.map((r) => h('tr', null, r.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, c instanceof Node ? c : String(c))))),
      ),
    ),
  );
}
