// Security · Trust: every user's trust score (lowest first), and for one user the ledger
// that explains it, with the operator's adjustments (adjust, reset, exempt).

import { describe, get, post } from '../../api/client';
import type { TrustScore, UserPage, UserStats, UserTrust } from '../../api/types';
import { hub } from '../../api/ws';
import { errorLine, h, loading, replace } from '../../dom';
import { ago, label, when } from '../../format';
import type { Cleanup, PageContext } from '../../router';

/** A score as a bar and a number. */
export function scoreBar(score: number, restricted: boolean): HTMLElement {
  const bar = h('span', { class: `score-bar${restricted || score < 50 ? ' low' : ''}`, role: 'img', 'aria-label': `Trust ${Math.round(score)} of 100` }, h('span'));
  const fill = bar.firstElementChild as HTMLElement;
  fill.style.width = `${Math.max(0, Math.min(100, score))}%`;
  return h('span', null, bar, ' ', String(Math.round(score)));
}

/**
 * `GET /detection/trust` answers the engine's live scores (`user`, no times) or, when
 * detection is off, the stored ones (`user_id`, times).
 */
type LiveOrStoredScore = Partial<TrustScore> & { user?: string; score: number; restricted: boolean; exempt: boolean };

function normaliseScore(s: LiveOrStoredScore): TrustScore {
  return {
    user_id: String(s.user_id ?? s.user ?? ''),
    score: s.score,
    restricted: s.restricted,
    exempt: s.exempt,
    last_finding_at: s.last_finding_at ?? null,
    updated_at: s.updated_at ?? '',
  };
}

/** A user's score and ledger, from `GET /users/{id}` (which carries both). */
export async function fetchTrust(userId: string): Promise<UserTrust> {
  const r = await get<UserPage>(`/users/${userId}`);
  return { score: r.trust ?? null, ledger: r.ledger ?? [] };
}

/** The ledger of one user, with the admin's adjustment form. */
export function ledgerView(userId: string, admin: boolean, onChange: () => void, first?: UserTrust): HTMLElement {
  const box = h('div', { class: 'ledger-view' }, loading('Loading the ledger'));
  let preloaded = first;
  const load = async (): Promise<void> => {
    let t: UserTrust;
    try {
      t = preloaded ?? (await fetchTrust(userId));
      preloaded = undefined;
    } catch (e) {
      replace(box, errorLine(`The ledger could not be loaded: ${describe(e)}`));
      return;
    }
    const err = h('p', { class: 'error', role: 'alert', hidden: true });
    const action = h(
      'select',
      { 'aria-label': 'Action' },
      h('option', { value: 'adjust' }, 'Adjust by'),
      h('option', { value: 'reset' }, 'Reset to 100'),
      h('option', { value: 'exempt' }, 'Exempt from detection'),
      h('option', { value: 'unexempt' }, 'Lift the exemption'),
    );
    const delta = h('input', { type: 'number', min: -100, max: 100, step: 1, value: 10, 'aria-label': 'Points' });
    const form = h('form', { class: 'row' }, action, delta, h('button', { type: 'submit', class: 'btn primary' }, 'Apply'), err);
    action.addEventListener('change', () => (delta.hidden = action.value !== 'adjust'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      err.hidden = true;
      // The API's actions: adjust (delta), reset, exempt (exempt: true/false).
      const body: Record<string, unknown> =
        action.value === 'adjust'
          ? { action: 'adjust', delta: Math.round(Number(delta.value)) }
          : action.value === 'reset'
            ? { action: 'reset' }
            : { action: 'exempt', exempt: action.value === 'exempt' };
      post(`/detection/trust/${userId}`, body)
        .then(() => {
          onChange();
          void load();
        })
        .catch((e: unknown) => {
          err.textContent = describe(e);
          err.hidden = false;
        });
    });
    replace(
      box,
      t.score ? h('p', null, 'Score ', scoreBar(t.score.score, t.score.restricted), t.score.restricted ? ' · restricted' : '', t.score.exempt ? ' · exempt' : '') : null,
      admin ? form : null,
      t.ledger.length === 0
        ? h('p', { class: 'muted' }, 'No changes yet: the user has the starting score.')
        : h(
            'ol',
            { class: 'ledger' },
            t.ledger.map((e) =>
              h(
                'li',
                null,
                h('strong', null, `${e.change.delta > 0 ? '+' : ''}${Math.round(e.change.delta * 10) / 10}`),
                ` → ${Math.round(e.change.score_after)} · ${label(e.change.reason)} · ${when(e.change.at)}`,
                e.change.actor ? ` · by ${e.change.actor}` : '',
                e.change.note ? ` · “${e.change.note}”` : '',
                e.change.alert_id ? [' · ', h('a', { href: `/security/alerts/${e.change.alert_id}` }, 'alert')] : null,
              ),
            ),
          ),
    );
  };
  void load();
  return box;
}

/** Mounts the trust view. */
export async function mountTrust(root: HTMLElement, ctx: PageContext): Promise<Cleanup> {
  const tbody = h('tbody');
  const side = h('aside', { class: 'panel', 'aria-live': 'polite', 'aria-label': 'Ledger' }, h('p', { class: 'muted' }, 'Choose a user to see why their score is what it is.'));
  let selected: string | null = null;
  const load = async (): Promise<void> => {
    let scores: TrustScore[];
    const names = new Map<string, string>();
    try {
      const [r, users] = await Promise.all([
        get<LiveOrStoredScore[]>('/detection/trust'),
        get<UserStats[]>('/users').catch(() => [] as UserStats[]),
      ]);
      scores = r.map(normaliseScore).sort((a, b) => a.score - b.score);
      for (const u of users) names.set(String(u.user_id), u.friendly_name ?? u.username);
    } catch (e) {
      replace(tbody, h('tr', null, h('td', { colspan: 5 }, errorLine(describe(e)))));
      return;
    }
    replace(
      tbody,
      scores.length === 0 ? h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'Every user has the starting score.')) : null,
      scores.map((s) =>
        h(
          'tr',
          { class: String(s.user_id) === selected ? 'selected' : null, 'data-user': s.user_id },
          h('td', null, h('a', { href: `/users/${s.user_id}`, 'data-keep-filter': true }, names.get(String(s.user_id)) ?? `User ${s.user_id}`)),
          h('td', null, scoreBar(s.score, s.restricted)),
          h('td', null, [s.restricted ? 'restricted' : '', s.exempt ? 'exempt' : ''].filter(Boolean).join(', ') || '–'),
          h('td', null, ago(s.last_finding_at)),
          h(
            'td',
            null,
            h(
              'button',
              {
                type: 'button',
                class: 'btn',
                onclick: () => {
                  selected = String(s.user_id);
                  replace(side, h('h2', null, `Ledger of ${names.get(String(s.user_id)) ?? `user ${s.user_id}`}`), ledgerView(String(s.user_id), ctx.me.role === 'admin', () => void load()));
                  for (const tr of tbody.querySelectorAll('tr')) tr.classList.toggle('selected', tr.dataset.user === String(s.user_id));
                },
              },
              'Ledger',
            ),
          ),
        ),
      ),
    );
  };
  replace(
    root,
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        { class: 'panel table-wrap' },
        h('table', null, h('thead', null, h('tr', null, ['User', 'Score', 'State', 'Last finding', ''].map((t) => h('th', { scope: 'col' }, t)))), tbody),
      ),
      side,
    ),
  );
  await load();
  const off = hub.on('trust_changed', () => void load());
  return off;
}
