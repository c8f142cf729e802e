// The shared filter panel: a date range with presets, LAN/WAN, and a multi-select for
// every list dimension, its values from `/api/v1/filters`. Edits go to the filter
// store, which commits them to the URL and the pages after 300 ms.

import { describe, get } from '../api/client';
import type { FilterValue, FilterValues } from '../api/types';
import { errorLine, h, loading, replace } from '../dom';
import { n } from '../format';
import {
  activeCount,
  emptyFilter,
  filters,
  LIST_DIMENSIONS,
  RANGE_PRESETS,
  type Filter,
  type ListParam,
} from '../state/filters';

function multiSelect(param: ListParam, title: string, values: FilterValue[], f: Filter): HTMLElement {
  const selected = new Set(f.lists[param]);
  const count = h('span', { class: 'ms-count' }, selected.size > 0 ? String(selected.size) : '');
  const list = h('ul', { class: 'ms-list' });
  const search = h('input', {
    type: 'search',
    placeholder: `Find ${title.toLowerCase()}`,
    'aria-label': `Find ${title.toLowerCase()}`,
  });
  // Values selected in the URL but absent from the list (no plays under the current
  // range) are still shown so they can be unticked.
  const known = new Set(values.map((v) => v.value));
  const all = [...values, ...[...selected].filter((v) => !known.has(v)).map((value) => ({ value, label: null, plays: 0 }))];
  const render = (): void => {
    const q = search.value.trim().toLowerCase();
    const shown = all.filter((v) => !q || (v.label ?? v.value).toLowerCase().includes(q) || v.value.toLowerCase().includes(q));
    replace(
      list,
      shown.slice(0, 300).map((v) => {
        const box = h('input', {
          type: 'checkbox',
          value: v.value,
          checked: selected.has(v.value),
          'data-dim': param,
          onchange: (ev: Event) => {
            const on = (ev.target as HTMLInputElement).checked;
            if (on) selected.add(v.value);
            else selected.delete(v.value);
            count.textContent = selected.size > 0 ? String(selected.size) : '';
            filters.edit((draft) => {
              draft.lists[param] = [...selected];
            });
          },
        });
        return h(
          'li',
          null,
          h('label', null, box, h('span', { class: 'ms-label' }, v.label ?? v.value), h('span', { class: 'ms-plays' }, v.plays ? n(v.plays) : '')),
        );
      }),
      shown.length === 0 ? h('li', { class: 'muted' }, 'No values') : null,
    );
  };
  search.addEventListener('input', render);
  render();
  return h(
    'details',
    { class: 'ms', 'data-dimension': param },
    h('summary', null, h('span', null, title), count),
    h('div', { class: 'ms-body' }, values.length > 8 ? search : null, list),
  );
}

function rangeControls(f: Filter): HTMLElement {
  const presets = h(
    'div',
    { class: 'presets', role: 'group', 'aria-label': 'Date range presets' },
    [...RANGE_PRESETS, { days: 0, label: 'All time' }].map((p) => {
      const active = p.days === 0 ? f.days === null && !f.start && !f.end : f.days === p.days;
      return h(
        'button',
        {
          type: 'button',
          class: active ? 'chip active' : 'chip',
          'aria-pressed': active ? 'true' : 'false',
          'data-days': p.days,
          onclick: () => {
            filters.edit((d) => {
              d.days = p.days === 0 ? null : p.days;
              d.start = null;
              d.end = null;
            });
            for (const b of presets.querySelectorAll('button')) {
              const on = b === presets.querySelector(`button[data-days="${p.days}"]`);
              b.classList.toggle('active', on);
              b.setAttribute('aria-pressed', on ? 'true' : 'false');
            }
            start.value = '';
            end.value = '';
          },
        },
        p.label,
      );
    }),
  );
  const dateOf = (v: string | null): string => (v ? v.slice(0, 10) : '');
  const start = h('input', { type: 'date', value: dateOf(f.start), 'aria-label': 'From date', name: 'start' });
  const end = h('input', { type: 'date', value: dateOf(f.end), 'aria-label': 'To date', name: 'end' });
  const onDate = (): void => {
    filters.edit((d) => {
      d.start = start.value || null;
      d.end = end.value || null;
      if (d.start || d.end) d.days = null;
    });
    for (const b of presets.querySelectorAll('button')) {
      b.classList.remove('active');
      b.setAttribute('aria-pressed', 'false');
    }
  };
  start.addEventListener('change', onDate);
  end.addEventListener('change', onDate);
  return h(
    'fieldset',
    { class: 'range' },
    h('legend', null, 'Date range'),
    presets,
    h('div', { class: 'dates' }, h('label', null, 'From ', start), h('label', null, 'To ', end)),
  );
}

function locationControl(f: Filter): HTMLElement {
  const sel = h(
    'select',
    {
      name: 'location',
      onchange: (ev: Event) => {
        const v = (ev.target as HTMLSelectElement).value;
        filters.edit((d) => {
          d.location = v === 'lan' || v === 'wan' ? v : null;
        });
      },
    },
    h('option', { value: '', selected: f.location === null }, 'LAN and WAN'),
    h('option', { value: 'lan', selected: f.location === 'lan' }, 'LAN only'),
    h('option', { value: 'wan', selected: f.location === 'wan' }, 'WAN only'),
  );
  return h('label', { class: 'field' }, h('span', null, 'Network'), sel);
}

/** Builds the panel; `onClose` hides it. Values load when it is first opened. */
export function filterPanel(onClose: () => void): { el: HTMLElement; open: () => void } {
  const body = h('div', { class: 'filter-body' });
  const status = h('p', { class: 'muted small', 'aria-live': 'polite' });
  let loaded = false;

  const build = async (): Promise<void> => {
    replace(body, loading('Loading filter values'));
    const f = filters.editing;
    let values: FilterValues = {};
    try {
      // Values under the date range only, so picking one dimension never hides the
      // values of another.
      const range = emptyFilter();
      range.days = f.days;
      range.start = f.start;
      range.end = f.end;
      values = await get<FilterValues>('/filters', { filter: range });
    } catch (e) {
      replace(body, errorLine(`Filter values could not be loaded: ${describe(e)}`));
      return;
    }
    replace(
      body,
      rangeControls(f),
      locationControl(f),
      h(
        'div',
        { class: 'dims' },
        LIST_DIMENSIONS.map((d) => multiSelect(d.param, d.label, values[d.key] ?? [], f)),
      ),
    );
    loaded = true;
  };

  const clear = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      onclick: () => {
        filters.edit((d) => Object.assign(d, emptyFilter()));
        filters.commit();
        void build();
      },
    },
    'Clear all',
  );

  filters.subscribe((f) => {
    const k = activeCount(f);
    status.textContent = k === 0 ? 'Showing everything.' : `${k} filter${k === 1 ? '' : 's'} active.`;
  });
  const k0 = activeCount(filters.current);
  status.textContent = k0 === 0 ? 'Showing everything.' : `${k0} filter${k0 === 1 ? '' : 's'} active.`;

  const el = h(
    'aside',
    { id: 'filters', class: 'filter-panel', 'aria-label': 'Filters', hidden: true },
    h(
      'div',
      { class: 'filter-head' },
      h('h2', null, 'Filters'),
      h('button', { type: 'button', class: 'btn ghost', onclick: onClose, 'aria-label': 'Close filters' }, '✕'),
    ),
    status,
    body,
    h('div', { class: 'filter-foot' }, clear, h('button', { type: 'button', class: 'btn primary', onclick: onClose }, 'Done')),
  );
  return {
    el,
    open: () => {
      if (!loaded) void build();
    },
  };
}
