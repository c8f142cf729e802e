// The login page (auth modes `jwt` and `basic`): posts the credentials, the server sets
// the HTTP-only session cookie, and the app continues where it was sent from.

import { describe, post } from '../api/client';
import type { LoginResponse } from '../api/types';
import { h } from '../dom';

/** Where to go after signing in: the `next` parameter if it is a local path. */
function nextUrl(): string {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/map';
}

/** Renders the login form into `app` (or moves on when the server needs no login). */
export function mountLogin(app: HTMLElement): void {
  // With AUTH_MODE=none everyone is signed in already.
  fetch('/api/v1/auth/me', { credentials: 'same-origin' })
    .then((r) => {
      if (r.ok) location.replace(nextUrl());
    })
    .catch(() => undefined);
  document.title = 'Sign in · Cartographus';
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login-form', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◍'), ' Cartographus'),
    h('p', { class: 'muted' }, 'Sign in to see where your viewers are.'),
    h('label', { for: 'username' }, 'User name'),
    user,
    h('label', { for: 'password' }, 'Password'),
    pass,
    error,
    submit,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    post<LoginResponse>('/auth/login', { username: user.value, password: pass.value })
      .then(() => location.assign(nextUrl()))
      .catch((e: unknown) => {
        error.textContent = describe(e) === 'authentication required' ? 'Wrong user name or password.' : describe(e);
        error.hidden = false;
        submit.disabled = false;
        submit.textContent = 'Sign in';
        pass.select();
      });
  });
  app.replaceChildren(
    h(
      'main',
      { class: 'login', id: 'main' },
      form,
      h(
        'p',
        { class: 'muted small' },
        h('a', { href: 'https://db-ip.com', rel: 'noopener', target: '_blank' }, 'IP geolocation by DB-IP'),
        ' (CC BY 4.0)',
      ),
    ),
  );
}
