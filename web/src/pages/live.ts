// The Live page: what is playing now, per server — from `/sessions/live`, then kept up
// to date by the hub's `playback` messages without reloading. Admins can stop a stream
// with a message to the viewer.

import { describe, get, post } from '../api/client';
import type { LiveSession, LiveUpdate, PlaybackEvent } from '../api/types';
import { hub } from '../api/ws';
import { errorLine, h, replace } from '../dom';
import { ago, label, place } from '../format';
import type { Cleanup, PageContext } from '../router';

/** "Show - S1E2 - Title" or the title. */
export function fullTitle(e: PlaybackEvent): string {
  const c = e.content;
  if ((c.media_type === 'episode' || c.media_type === 'track') && c.grandparent_title) {
    const se = c.season !== null && c.episode !== null ? ` - S${c.season}E${c.episode}` : '';
    return `${c.grandparent_title}${se} - ${c.title}`;
  }
  return c.year ? `${c.title} (${c.year})` : c.title;
}

function progressOf(e: PlaybackEvent): number {
  const t = e.timing;
  if (t.view_offset_ms !== null && t.media_duration_ms) return Math.min(1, t.view_offset_ms / t.media_duration_ms);
  return Math.min(1, Math.max(0, t.percent_complete / 100));
}

function qualityBadge(e: PlaybackEvent): HTMLElement {
  const d = e.quality.transcode_decision;
  const res = e.quality.stream_video_resolution ?? e.quality.video_resolution;
  const text = [d ? label(d) : 'Unknown', res].filter(Boolean).join(' · ');
  return h('span', { class: `tag ${d ?? ''}` }, text);
}

/** Mounts the page. */
export async function mount(root: HTMLElement, ctx: PageContext): Promise<Cleanup> {
  const admin = ctx.me.role === 'admin';
  const sessions = new Map<string, LiveSession>();
  const fresh = new Set<string>();
  const list = h('div', { class: 'live-list', 'aria-live': 'polite' });
  const count = h('p', { class: 'muted', role: 'status' });
  const dialog = h('dialog', { id: 'terminate-dialog', 'aria-labelledby': 'terminate-title' });
  replace(
    root,
    h(
      'section',
      { class: 'page', 'aria-labelledby': 'live-title' },
      h('div', { class: 'toolbar' }, h('h1', { id: 'live-title' }, 'Live activity'), count),
      list,
      dialog,
    ),
  );

  const askTerminate = (s: LiveSession): void => {
    const message = h('textarea', { id: 'terminate-message', maxlength: 500, 'aria-label': 'Message to the viewer' });
    message.value = 'This stream was stopped by the server’s administrator.';
    const err = h('p', { class: 'error', role: 'alert', hidden: true });
    const confirm = h('button', { type: 'submit', class: 'btn danger' }, 'Stop stream');
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'terminate-title' }, 'Stop this stream?'),
      h('p', null, `${s.event.user.friendly_name ?? s.event.user.username} — ${fullTitle(s.event)} on ${s.server_name}`),
      h('label', { for: 'terminate-message' }, 'Message shown to the viewer'),
      message,
      err,
      h('div', { class: 'row' }, confirm, h('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, 'Cancel')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      confirm.disabled = true;
      post(`/sessions/${encodeURIComponent(s.event.identity.event_id)}/terminate`, { message: message.value })
        .then(() => {
          dialog.close();
          sessions.delete(s.event.identity.event_id);
          render();
        })
        .catch((e: unknown) => {
          err.textContent = describe(e);
          err.hidden = false;
          confirm.disabled = false;
        });
    });
    replace(dialog, form);
    dialog.showModal();
    message.focus();
  };

  const card = (s: LiveSession): HTMLElement => {
    const e = s.event;
    const id = e.identity.event_id;
    const p = progressOf(e);
    const device = [e.device.player, e.device.product ?? e.device.platform].filter(Boolean).join(' · ') || 'Unknown device';
    const where = e.geo ? place(e.geo.city, e.geo.country_code) : e.network.location === 'lan' ? 'Local network' : 'Unknown place';
    return h(
      'article',
      { class: fresh.has(id) ? 'session fresh' : 'session', 'data-event': id, 'aria-label': `${e.user.username}: ${fullTitle(e)}` },
      h('div', { class: 'title' }, fullTitle(e)),
      h(
        'div',
        { class: 'meta' },
        h('a', { href: `/users/${e.user.user_id}`, 'data-keep-filter': true }, e.user.friendly_name ?? e.user.username),
        h('span', { class: `tag ${e.timing.state === 'playing' ? 'ok' : 'info'}` }, label(e.timing.state)),
        qualityBadge(e),
      ),
      h('progress', { max: 100, value: Math.round(p * 100), 'aria-label': `Progress ${Math.round(p * 100)} %` }),
      h('div', { class: 'meta' }, h('span', null, device), h('span', null, '·'), h('span', null, where), e.network.ip ? h('span', { class: 'muted' }, e.network.ip) : null),
      h('div', { class: 'meta' }, h('span', null, `Started ${ago(e.timing.started_at)}`), e.live ? h('span', { class: 'tag' }, 'Live TV') : null),
      admin ? h('div', null, h('button', { type: 'button', class: 'btn danger', onclick: () => askTerminate(s) }, 'Stop stream')) : null,
    );
  };

  const render = (): void => {
    // Re-rendering must not steal keyboard focus: remember which control had it.
    const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const focusEvent = active?.closest<HTMLElement>('[data-event]')?.dataset.event;
    const focusTag = active?.tagName;
    const byServer = new Map<string, LiveSession[]>();
    for (const s of sessions.values()) {
      const l = byServer.get(s.server_name) ?? [];
      l.push(s);
      byServer.set(s.server_name, l);
    }
    count.textContent = sessions.size === 0 ? 'Nothing is playing.' : `${sessions.size} stream${sessions.size === 1 ? '' : 's'} on ${byServer.size} server${byServer.size === 1 ? '' : 's'}`;
    list.dataset.sessions = String(sessions.size);
    replace(
      list,
      sessions.size === 0 ? h('p', { class: 'muted' }, 'Streams appear here the moment they start.') : null,
      [...byServer.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([server, items]) =>
          h(
            'section',
            { class: 'server-group', 'aria-label': server },
            h('h2', null, server, ' ', h('span', { class: 'muted small' }, `${items.length}`)),
            h(
              'div',
              { class: 'sessions' },
              items.sort((a, b) => b.event.timing.started_at.localeCompare(a.event.timing.started_at)).map(card),
            ),
          ),
        ),
    );
    if (focusEvent && focusTag && list.contains(active) === false) {
      const card = list.querySelector(`[data-event="${CSS.escape(focusEvent)}"]`);
      card?.querySelector<HTMLElement>(focusTag.toLowerCase())?.focus();
    }
  };

  const load = async (): Promise<void> => {
    try {
      const r = await get<{ sessions: LiveSession[] } | LiveSession[]>('/sessions/live');
      const items = Array.isArray(r) ? r : r.sessions;
      sessions.clear();
      for (const s of items) sessions.set(s.event.identity.event_id, s);
      render();
    } catch (e) {
      replace(list, errorLine(`Live sessions could not be loaded: ${describe(e)}`));
    }
  };

  const offPlayback = hub.on('playback', (data) => {
    const u = data as LiveUpdate;
    if (!u?.event?.identity) return;
    const id = u.event.identity.event_id;
    if (u.action === 'stopped' || u.event.timing.state === 'stopped') {
      sessions.delete(id);
    } else {
      if (!sessions.has(id)) {
        fresh.add(id);
        window.setTimeout(() => {
          fresh.delete(id);
          list.querySelector(`[data-event="${CSS.escape(id)}"]`)?.classList.remove('fresh');
        }, 4000);
      }
      sessions.set(id, { server_name: u.server_name, event: u.event });
    }
    render();
  });
  const offSnapshot = hub.on('session_snapshot', () => void load());
  // After a reconnect the hub may have missed updates: reload the list.
  const offStatus = hub.onStatus((c) => {
    if (c) void load();
  });
  const tick = window.setInterval(render, 30_000);
  await load();
  return () => {
    offPlayback();
    offSnapshot();
    offStatus();
    window.clearInterval(tick);
  };
}
