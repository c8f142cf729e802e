// Security · Rules: each detection rule's settings as a form built from its JSON
// (switches for booleans, numbers, lists as comma-separated text), saved with
// `PUT /detection/rules/{rule}`; the API's validation message is shown beside the rule
// and the field it names is marked.

import { ApiError, describe, get, put } from '../../api/client';
import type { RuleSettings } from '../../api/types';
import { errorLine, h, replace } from '../../dom';
import { label } from '../../format';
import type { Cleanup, PageContext } from '../../router';

type Value = boolean | number | string | string[] | number[] | null | Record<string, unknown>;

/** `GET /detection/rules` as a list of (rule, settings), whatever its outer shape. */
export function ruleList(r: unknown): [string, RuleSettings][] {
  if (Array.isArray(r)) {
    return r
      .map((x: unknown): [string, RuleSettings] | null => {
        if (!x || typeof x !== 'object') return null;
        const o = x as Record<string, unknown>;
        const name = (o.rule ?? o.name) as string | undefined;
        if (!name) return null;
        const settings = (o.settings ?? o.config ?? Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'rule' && k !== 'name'))) as RuleSettings;
        return [name, settings];
      })
      .filter((x): x is [string, RuleSettings] => x !== null);
  }
  if (r && typeof r === 'object') {
    const o = r as Record<string, unknown>;
    const inner = (o.rules && typeof o.rules === 'object' ? o.rules : o) as Record<string, unknown>;
    return Object.entries(inner).filter((e): e is [string, RuleSettings] => !!e[1] && typeof e[1] === 'object' && !Array.isArray(e[1]));
  }
  return [];
}

/** Settings with a fixed set of values. */
const CHOICES: Record<string, string[]> = {
  action: ['notify', 'terminate'],
  severity: ['info', 'warning', 'critical'],
};

function field(name: string, v: Value): { el: HTMLElement; read: () => Value } | null {
  const id = `rule-field-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const choices = CHOICES[name];
  if (choices && typeof v === 'string') {
    const sel = h('select', { id, name }, choices.map((c) => h('option', { value: c, selected: c === v }, label(c))));
    return { el: h('label', { class: 'field', 'data-field': name }, h('span', null, label(name)), sel), read: () => sel.value };
  }
  if (typeof v === 'boolean') {
    const box = h('input', { type: 'checkbox', id, name, checked: v });
    return { el: h('label', { class: 'check', 'data-field': name }, box, ' ', label(name)), read: () => box.checked };
  }
  if (typeof v === 'number') {
    const inp = h('input', { type: 'number', id, name, step: 'any', value: String(v) });
    return { el: h('label', { class: 'field', 'data-field': name }, h('span', null, label(name)), inp), read: () => (inp.value === '' ? null : Number(inp.value)) };
  }
  if (typeof v === 'string' || v === null) {
    const inp = h('input', { type: 'text', id, name, value: v ?? '' });
    return { el: h('label', { class: 'field', 'data-field': name }, h('span', null, label(name)), inp), read: () => (inp.value === '' && v === null ? null : inp.value) };
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) {
    const numeric = v.length > 0 && v.every((x) => typeof x === 'number');
    const inp = h('input', { type: 'text', id, name, value: v.join(', '), placeholder: 'comma-separated' });
    return {
      el: h('label', { class: 'field', 'data-field': name }, h('span', null, label(name)), inp),
      read: () => {
        const parts = inp.value.split(',').map((s) => s.trim()).filter(Boolean);
        // An empty list gives no type: numbers-only entries (ASNs) go as numbers.
        const allNumbers = parts.length > 0 && parts.every((p) => /^-?\d+(\.\d+)?$/.test(p));
        return numeric || (v.length === 0 && allNumbers) ? parts.map(Number) : parts;
      },
    };
  }
  return null;
}

function ruleForm(name: string, settings: RuleSettings): HTMLElement {
  const fields: [string, () => Value][] = [];
  const fs = h('fieldset');
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) {
    const f = field(k, v as Value);
    if (f) {
      fs.appendChild(f.el);
      fields.push([k, f.read]);
    } else {
      kept[k] = v; // nested tables are sent back unchanged
    }
  }
  const msg = h('p', { role: 'status', 'aria-live': 'polite', class: 'small' });
  const save = h('button', { type: 'submit', class: 'btn primary' }, 'Save');
  const form = h('form', { class: 'panel rule', 'data-rule': name, 'aria-label': label(name) }, h('h2', null, label(name)), fs, h('div', { class: 'row' }, save, msg));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const body: Record<string, unknown> = { ...kept };
    for (const [k, read] of fields) body[k] = read();
    save.disabled = true;
    msg.className = 'small';
    msg.textContent = 'Saving…';
    put<RuleSettings>(`/detection/rules/${encodeURIComponent(name)}`, body)
      .then(() => {
        msg.textContent = 'Saved.';
      })
      .catch((e: unknown) => {
        msg.className = 'small error';
        msg.textContent = describe(e);
        const param = e instanceof ApiError ? e.parameter : null;
        // The API names the setting: as the parameter, or in the message (`rule.setting`).
        const inMessage = new RegExp(`${name}\\.(\\w+)`).exec(describe(e))?.[1];
        const key = param?.split('.').pop() ?? inMessage;
        if (key) form.querySelector(`[data-field="${CSS.escape(key)}"] input`)?.setAttribute('aria-invalid', 'true');
      })
      .finally(() => {
        save.disabled = false;
      });
  });
  return form;
}

/** Mounts the rules view. */
export async function mountRules(root: HTMLElement, ctx: PageContext): Promise<Cleanup | void> {
  let rules: [string, RuleSettings][];
  try {
    rules = ruleList(await get<unknown>('/detection/rules'));
  } catch (e) {
    replace(root, errorLine(`The rules could not be loaded: ${describe(e)}`));
    return;
  }
  if (rules.length === 0) {
    replace(root, h('p', { class: 'muted' }, 'No rules are configured (detection may be off).'));
    return;
  }
  const forms = rules.map(([name, s]) => ruleForm(name, s));
  if (ctx.me.role !== 'admin') {
    for (const f of forms) for (const el of f.querySelectorAll('input, button')) (el as HTMLInputElement).disabled = true;
  }
  replace(root, ctx.me.role !== 'admin' ? h('p', { class: 'muted' }, 'Only admins can change the rules.') : null, h('div', { class: 'grid' }, forms));
}
