// The Admin page: media servers and their connection state, the Tautulli import with its
// progress, backups (create, download, restore) and export downloads under the filter.

import { apiUrl, describe, get, post } from '../api/client';
import type { BackupInfo, ImportProgress, ServerInfo, SourceStatus, TaskHealth } from '../api/types';
import { hub } from '../api/ws';
import { errorLine, h, loading, replace } from '../dom';
import { ago, bytes, n, when } from '../format';
import type { Cleanup, PageContext } from '../router';
import { filters } from '../state/filters';

function section(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

function serversView(): { el: HTMLElement; off: () => void } {
  const body = h('div', null, loading('Loading servers'));
  const status = new Map<string, SourceStatus>();
  const tasks = new Map<string, TaskHealth>();
  let servers: ServerInfo[] = [];
  const render = (): void => {
    // Configured sources: the supervisor's tasks (`source:<name>`), updated by the hub's
    // `source_status` messages.
    const names = [...new Set([...tasks.keys(), ...status.keys()])].sort();
    const sources =
      names.length === 0
        ? h('p', { class: 'muted' }, 'No media server is configured.')
        : h(
            'ul',
            { class: 'servers' },
            names.map((name) => {
              const live = status.get(name);
              const task = tasks.get(name);
              const connected = live?.connected ?? (task ? task.running && task.healthy && !task.last_error : null);
              const error = live?.error ?? task?.last_error ?? null;
              return h(
                'li',
                { 'data-source': name },
                h('strong', null, name),
                ' ',
                h('span', { class: `tag ${connected === true ? 'ok' : connected === false ? 'critical' : ''}` }, connected === true ? 'connected' : connected === false ? 'disconnected' : 'unknown'),
                live?.websocket ? [' ', h('span', { class: 'tag info' }, 'websocket')] : null,
                error ? h('span', { class: 'muted small' }, ` ${error}`) : null,
                live?.retry_in_s ? h('span', { class: 'muted small' }, ` · retrying in ${live.retry_in_s} s`) : null,
                task?.restarts ? h('span', { class: 'muted small' }, ` · ${task.restarts} restarts`) : null,
              );
            }),
          );
    const seen =
      servers.length === 0
        ? null
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              null,
              h('thead', null, h('tr', null, ['Server', 'Platform', 'Version', 'First seen', 'Last seen'].map((t) => h('th', { scope: 'col' }, t)))),
              h(
                'tbody',
                null,
                servers.map((x) =>
                  h('tr', null, h('td', null, x.name ?? x.server_id), h('td', null, x.platform), h('td', null, x.version ?? '–'), h('td', null, when(x.first_seen_at)), h('td', null, ago(x.last_seen_at))),
                ),
              ),
            ),
          );
    replace(body, sources, seen ? [h('h3', null, 'Servers seen in the history'), seen] : null);
  };
  Promise.all([
    get<ServerInfo[]>('/servers'),
    // Readiness lists the supervised tasks; media servers are `source:<name>`. It answers
    // 503 when a task is unhealthy, with the same body.
    fetch('/api/v1/health/ready', { credentials: 'same-origin' })
      .then((r) => r.json() as Promise<{ tasks?: Record<string, TaskHealth> }>)
      .catch((): { tasks?: Record<string, TaskHealth> } => ({ tasks: {} })),
  ])
    .then(([r, ready]) => {
      servers = r;
      for (const [k, v] of Object.entries(ready.tasks ?? {})) if (k.startsWith('source:')) tasks.set(k.slice(7), v);
      render();
    })
    .catch((e: unknown) => replace(body, errorLine(`Servers could not be loaded: ${describe(e)}`)));
  const off = hub.on('source_status', (d) => {
    const s = d as SourceStatus;
    if (!s?.server) return;
    status.set(s.server, s);
    render();
  });
  return { el: body, off };
}

function importView(): { el: HTMLElement; off: () => void } {
  const bar = h('progress', { max: 100, value: 0, id: 'import-progress', 'aria-label': 'Import progress' });
  const text = h('p', { role: 'status', 'aria-live': 'polite' }, 'No import running.');
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const start = h('button', { type: 'button', class: 'btn primary' }, 'Import history from Tautulli');
  const show = (p: ImportProgress): void => {
    const read = p.read ?? 0;
    const total = p.total ?? null;
    if (total && total > 0) {
      bar.max = total;
      bar.value = Math.min(read, total);
      bar.setAttribute('aria-valuetext', `${Math.round((100 * read) / total)} %`);
    } else {
      bar.removeAttribute('value');
    }
    const done = total !== null && read >= total;
    text.textContent = p.error
      ? `Import failed: ${p.error}`
      : `${p.state ? `${p.state}: ` : ''}${n(read)}${total ? ` of ${n(total)}` : ''} rows read${done ? ' — done' : ''}${p.source ? ` (${p.source})` : ''}`;
  };
  start.addEventListener('click', () => {
    err.hidden = true;
    start.disabled = true;
    post<ImportProgress>('/import/tautulli')
      .then((p) => p && show(p))
      .catch((e: unknown) => {
        err.textContent = describe(e);
        err.hidden = false;
      })
      .finally(() => (start.disabled = false));
  });
  get<ImportProgress | null>('/import/status')
    .then((p) => p && show(p))
    .catch(() => undefined);
  const off = hub.on('import_progress', (d) => show(d as ImportProgress));
  return { el: h('div', null, h('p', { class: 'muted small' }, 'Reads the history of the Tautulli server in the configuration (imports are idempotent: running it again adds nothing twice).'), start, bar, text, err), off };
}

function backupsView(): HTMLElement {
  const body = h('div', null, loading('Loading backups'));
  const status = h('p', { role: 'status', 'aria-live': 'polite', class: 'small' });
  const create = h('button', { type: 'button', class: 'btn primary', id: 'backup-create' }, 'Create a backup');
  const load = async (): Promise<void> => {
    try {
      const r = await get<BackupInfo[] | { backups: BackupInfo[] }>('/backup');
      const list = Array.isArray(r) ? r : r.backups;
      replace(
        body,
        list.length === 0
          ? h('p', { class: 'muted' }, 'No backups yet.')
          : h(
              'table',
              null,
              h('thead', null, h('tr', null, ['Backup', 'Created', 'Rows', 'Size', ''].map((t) => h('th', { scope: 'col' }, t)))),
              h(
                'tbody',
                null,
                list.map((b) => {
                  const rows = b.manifest?.tables?.reduce((s, t) => s + t.rows, 0) ?? 0;
                  const size = b.manifest?.files?.reduce((s, f) => s + f.bytes, 0) ?? 0;
                  const restore = h('button', { type: 'button', class: 'btn danger' }, 'Restore');
                  restore.addEventListener('click', () => {
                    if (!window.confirm(`Restore ${b.name}? The current database is replaced by the backup.`)) return;
                    restore.disabled = true;
                    status.textContent = 'Restoring…';
                    post(`/backup/${encodeURIComponent(b.name)}/restore`)
                      .then(() => (status.textContent = `Restored ${b.name}.`))
                      .catch((e: unknown) => (status.textContent = `Restore failed: ${describe(e)}`))
                      .finally(() => (restore.disabled = false));
                  });
                  return h(
                    'tr',
                    { 'data-backup': b.name },
                    h('td', null, b.name),
                    h('td', null, when(b.manifest?.created_at)),
                    h('td', { class: 'num' }, n(rows)),
                    h('td', { class: 'num' }, bytes(size)),
                    h('td', null, h('a', { class: 'btn', href: `/api/v1/backup/${encodeURIComponent(b.name)}/download`, download: '' }, 'Download'), ' ', restore),
                  );
                }),
              ),
            ),
      );
    } catch (e) {
      replace(body, errorLine(`Backups could not be loaded: ${describe(e)}`));
    }
  };
  create.addEventListener('click', () => {
    create.disabled = true;
    status.textContent = 'Creating a backup…';
    post<BackupInfo>('/backup')
      .then((b) => {
        status.textContent = `Backup ${b?.name ?? ''} created.`;
        void load();
      })
      .catch((e: unknown) => (status.textContent = `Backup failed: ${describe(e)}`))
      .finally(() => (create.disabled = false));
  });
  void load();
  return h('div', null, h('div', { class: 'row' }, create, status), body);
}

function exportsView(): { el: HTMLElement; off: () => void } {
  const links = h('ul', { class: 'exports' });
  const render = (): void => {
    replace(
      links,
      [
        ['/export/playbacks.csv', 'Plays as CSV', 'export-csv'],
        ['/export/playbacks.parquet', 'Plays as Parquet', 'export-parquet'],
        ['/export/locations.geojson', 'Places as GeoJSON', 'export-geojson'],
      ].map(([path, text, id]) => h('li', null, h('a', { href: apiUrl(path ?? '', { filter: true }), download: '', id: id ?? null, class: 'btn' }, text ?? ''))),
    );
  };
  render();
  const off = filters.subscribe(render);
  return { el: h('div', null, h('p', { class: 'muted small' }, 'Exports follow the current filter.'), links), off };
}

/** Mounts the page. */
export async function mount(root: HTMLElement, _ctx: PageContext): Promise<Cleanup> {
  const servers = serversView();
  const imp = importView();
  const exp = exportsView();
  replace(
    root,
    h(
      'section',
      { class: 'page', 'aria-labelledby': 'admin-title' },
      h('h1', { id: 'admin-title' }, 'Admin'),
      h(
        'div',
        { class: 'grid' },
        section('sources', 'Media servers', servers.el),
        section('import', 'Tautulli import', imp.el),
        section('backups', 'Backups', backupsView()),
        section('exports', 'Exports', exp.el),
      ),
    ),
  );
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  await Promise.resolve();
  return () => {
    servers.off();
    imp.off();
    exp.off();
  };
}
