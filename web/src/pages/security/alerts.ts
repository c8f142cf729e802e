// Security · Alerts: the list (filter by rule, severity and state; newest first; paged),
// acknowledging, and the drill-down of one alert — its evidence and every play involved,
// with times and addresses, drawn on a small map in time order.

import { describe, get, post } from '../../api/client';
import type { AlertPage, AlertRecord, PlaybackEvent } from '../../api/types';
import { hub } from '../../api/ws';
import { debounce, errorLine, h, loading, replace } from '../../dom';
import { ago, label, place, when } from '../../format';
import type { CreatedMap } from '../../map/create';
import type { Cleanup, PageContext } from '../../router';
import { fullTitle } from '../live';

/** The list's own filter (kept in the URL as `rules`, `severities`, `acknowledged`). */
interface AlertFilter {
  rules: string;
  severities: string;
  acknowledged: string;
}

function readFilter(): AlertFilter {
  const q = new URLSearchParams(location.search);
  return { rules: q.get('rules') ?? '', severities: q.get('severities') ?? '', acknowledged: q.get('acknowledged') ?? 'false' };
}

function writeFilter(f: AlertFilter): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(f) as [string, string][]) {
    if (v && !(k === 'acknowledged' && v === 'false')) q.set(k, v);
    else q.delete(k);
  }
  const s = q.toString();
  history.replaceState(history.state, '', location.pathname + (s ? `?${s}` : ''));
}

const RULES = [
  'impossible_travel',
  'concurrent_streams',
  'simultaneous_locations',
  'device_velocity',
  'geo_restriction',
  'new_device',
  'new_country',
  'shared_device',
  'suspicious_client',
];

function evidenceList(evidence: unknown): HTMLElement {
  // Evidence is the rule's typed facts; show its fields as a definition list.
  const flat: [string, string][] = [];
  const walk = (v: unknown, path: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, path ? `${path} ${k}` : k);
    } else if (Array.isArray(v)) {
      flat.push([path, v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')]);
    } else {
      flat.push([path, typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v)]);
    }
  };
  walk(evidence, '');
  // The rule's name is already the heading.
  const shown = flat.filter(([k, v]) => k !== 'rule' && v !== 'null' && v !== '');
  return h('dl', { class: 'evidence' }, shown.slice(0, 40).flatMap(([k, v]) => [h('dt', null, label(k.replace(/^data /, ''))), h('dd', null, v)]));
}

/** Mounts the alerts view; `selected` is an alert id from the path. */
export async function mountAlerts(root: HTMLElement, ctx: PageContext, selected: string | null): Promise<Cleanup> {
  const admin = ctx.me.role === 'admin';
  let f = readFilter();
  let items: AlertRecord[] = [];
  let next: string | null = null;
  let mini: CreatedMap | null = null;
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
  const detail = h('aside', { class: 'panel alert-detail', 'aria-live': 'polite', 'aria-label': 'Alert details' }, h('p', { class: 'muted' }, 'Choose an alert to see every play involved.'));
  const status = h('p', { class: 'muted', role: 'status' });

  const select = (id: string, v: string, options: [string, string][], name: string): HTMLSelectElement => {
    const s = h('select', { id, 'aria-label': name }, options.map(([value, text]) => h('option', { value, selected: value === v }, text)));
    s.addEventListener('change', () => {
      f = { ...f, [id.replace('alert-', '')]: s.value };
      writeFilter(f);
      void load(false);
    });
    return s;
  };
  const form = h(
    'div',
    { class: 'toolbar' },
    select('alert-rules', f.rules, [['', 'All rules'], ...RULES.map((r): [string, string] => [r, label(r)])], 'Rule'),
    select('alert-severities', f.severities, [['', 'All severities'], ['critical', 'Critical'], ['warning', 'Warning'], ['info', 'Info']], 'Severity'),
    select('alert-acknowledged', f.acknowledged, [['false', 'Open'], ['true', 'Acknowledged'], ['', 'All']], 'State'),
    status,
  );

  // Acknowledgements made here: a list requested before one was stored (a reload on a
  // new alert) must not show that alert as open again when its answer comes later.
  const ackedHere = new Map<string, { by: string; at: string }>();
  const applyAcks = (list: AlertRecord[]): void => {
    for (const a of list) {
      const ack = ackedHere.get(a.alert_id);
      if (ack && a.acknowledged_at === null) {
        a.acknowledged_by = ack.by;
        a.acknowledged_at = ack.at;
      }
    }
  };
  let loads = 0;

  const acknowledge = async (a: AlertRecord, btn: HTMLButtonElement): Promise<void> => {
    btn.disabled = true;
    try {
      const r = await post<{ by?: string }>(`/detection/alerts/${encodeURIComponent(a.alert_id)}/acknowledge`);
      const ack = { by: r?.by ?? ctx.me.name, at: new Date().toISOString() };
      ackedHere.set(a.alert_id, ack);
      a.acknowledged_by = ack.by;
      a.acknowledged_at = ack.at;
      renderRows();
      if (selected === a.alert_id) void showDetail(a);
      status.textContent = `Alert acknowledged.`;
    } catch (e) {
      btn.disabled = false;
      status.textContent = `Could not acknowledge: ${describe(e)}`;
    }
  };

  const renderRows = (): void => {
    replace(
      tbody,
      items.length === 0 ? h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No alerts match.')) : null,
      items.map((a) => {
        const acked = a.acknowledged_at !== null;
        const ack = h('button', { type: 'button', class: 'btn', 'data-ack': a.alert_id }, 'Acknowledge');
        ack.addEventListener('click', (ev) => {
          ev.stopPropagation();
          void acknowledge(a, ack);
        });
        const link = h('a', { href: `/security/alerts/${a.alert_id}${location.search}` }, a.message);
        return h(
          'tr',
          { class: `alert-row${acked ? ' acked' : ''}${a.alert_id === selected ? ' selected' : ''}`, 'data-alert': a.alert_id },
          h('td', null, h('span', { class: `tag ${a.severity}` }, label(a.severity))),
          h('td', null, label(a.rule)),
          h('td', null, h('a', { href: `/users/${a.user_id}`, 'data-keep-filter': true }, a.username ?? String(a.user_id))),
          h('td', null, link),
          h('td', { class: 'nowrap', title: when(a.occurred_at) }, ago(a.occurred_at)),
          h('td', null, acked ? h('span', { class: 'muted small' }, `Acknowledged by ${a.acknowledged_by ?? '?'}`) : admin ? ack : h('span', { class: 'muted small' }, 'Open')),
        );
      }),
    );
    more.hidden = next === null;
  };

  const load = async (append: boolean): Promise<void> => {
    if (!append) status.textContent = 'Loading…';
    const mine = ++loads;
    try {
      const page = await get<AlertPage>('/detection/alerts', {
        params: { rules: f.rules, severities: f.severities, acknowledged: f.acknowledged, after: append ? next : null, limit: 50 },
      });
      // A later load (a newer filter, a reload) has answered or will: this one is stale.
      if (mine !== loads) return;
      applyAcks(page.items);
      items = append ? [...items, ...page.items] : page.items;
      next = page.next ?? page.next_cursor ?? null;
      status.textContent = `${items.length}${next ? '+' : ''} alert${items.length === 1 ? '' : 's'}`;
      renderRows();
      if (selected && !append) {
        const a = items.find((x) => x.alert_id === selected);
        if (a) void showDetail(a);
      }
    } catch (e) {
      if (mine !== loads) return;
      status.textContent = '';
      replace(tbody, h('tr', null, h('td', { colspan: 6 }, errorLine(`Alerts could not be loaded: ${describe(e)}`))));
    }
  };
  more.addEventListener('click', () => void load(true));

  const showDetail = async (a: AlertRecord): Promise<void> => {
    mini?.destroy();
    mini = null;
    const mapEl = h('div', { class: 'map mini', role: 'region', 'aria-label': 'Where the plays were' });
    const plays = h('ol', { class: 'plays' }, h('li', null, loading('Loading the plays')));
    replace(
      detail,
      h('h2', null, h('span', { class: `tag ${a.severity}` }, label(a.severity)), ' ', label(a.rule)),
      h('p', null, a.message),
      h('p', { class: 'muted small' }, `User ${a.username ?? a.user_id} · happened ${when(a.occurred_at)} · raised ${when(a.created_at)}${a.acknowledged_at ? ` · acknowledged by ${a.acknowledged_by ?? '?'} ${when(a.acknowledged_at)}` : ''}`),
      h('h3', null, 'Evidence'),
      evidenceList(a.evidence),
      h('h3', null, `Plays involved (${a.event_ids.length})`),
      mapEl,
      plays,
    );
    const events = (
      await Promise.all(
        a.event_ids.slice(0, 10).map((id) => get<PlaybackEvent>(`/playbacks/${encodeURIComponent(id)}`).catch(() => null)),
      )
    ).filter((e): e is PlaybackEvent => e !== null);
    events.sort((x, y) => x.timing.started_at.localeCompare(y.timing.started_at));
    replace(
      plays,
      events.length === 0 ? h('li', { class: 'muted' }, 'The plays are not in the store (yet).') : null,
      events.map((e) =>
        h(
          'li',
          { 'data-play': e.identity.event_id },
          h('strong', null, when(e.timing.started_at)),
          ` — ${fullTitle(e)} · `,
          e.network.ip ?? 'no address',
          ' · ',
          e.geo ? place(e.geo.city, e.geo.country_code) : 'unknown place',
          ' · ',
          [e.device.player, e.device.platform].filter(Boolean).join(' / ') || 'unknown device',
        ),
      ),
    );
    const pts = events
      .filter((e) => e.geo?.point)
      .map((e) => ({
        lon: e.geo?.point?.lon ?? 0,
        lat: e.geo?.point?.lat ?? 0,
        text: `${when(e.timing.started_at)} · ${e.network.ip ?? ''} · ${e.geo ? place(e.geo.city, e.geo.country_code) : ''}`,
      }));
    if (pts.length === 0) {
      replace(mapEl, h('p', { class: 'muted' }, 'None of these plays has a known location.'));
      mapEl.classList.remove('map');
      return;
    }
    const { miniMap } = await import('../../map/minimap');
    mini = await miniMap(mapEl, pts, true);
  };

  replace(
    root,
    form,
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        { class: 'panel' },
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { id: 'alerts-table' },
            h('thead', null, h('tr', null, ['Severity', 'Rule', 'User', 'What', 'When', ''].map((t) => h('th', { scope: 'col' }, t)))),
            tbody,
          ),
        ),
        more,
      ),
      detail,
    ),
  );
  await load(false);
  const reload = debounce(() => void load(false), 1000);
  const offAlert = hub.on('detection_alert', reload);
  return () => {
    offAlert();
    mini?.destroy();
  };
}
