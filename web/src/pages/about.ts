// The About page: what Cartographus is, the data attributions (DB-IP's licence requires
// the notice), the keyboard shortcuts and the server's version.

import { get } from '../api/client';
import { h, replace } from '../dom';
import type { PageContext } from '../router';

/** Mounts the page. */
export async function mount(root: HTMLElement, _ctx: PageContext): Promise<void> {
  const version = h('span', null, '…');
  replace(
    root,
    h(
      'section',
      { class: 'page panel', 'aria-labelledby': 'about-title' },
      h('h1', { id: 'about-title' }, 'About Cartographus'),
      h('p', null, 'Self-hosted playback analytics and account-sharing detection for Plex, Jellyfin and Emby. Server version ', version, '.'),
      h('h2', null, 'Data sources'),
      h(
        'ul',
        null,
        h('li', null, h('a', { href: 'https://db-ip.com', rel: 'noopener', target: '_blank' }, 'IP geolocation by DB-IP'), ', licensed under ', h('a', { href: 'https://creativecommons.org/licenses/by/4.0/', rel: 'noopener', target: '_blank' }, 'CC BY 4.0'), '.'),
        h('li', null, 'Country outlines: Natural Earth (public domain), packaged by world-atlas.'),
        h('li', null, 'Hexagons: the H3 grid (h3-js, Apache 2.0).'),
      ),
      h('h2', null, 'Keyboard'),
      h(
        'ul',
        null,
        h('li', null, h('kbd', null, 'Tab'), ' moves between controls; the first stop is “Skip to content”.'),
        h('li', null, 'On the map: arrow keys pan, ', h('kbd', null, '+'), ' / ', h('kbd', null, '−'), ' zoom; cluster markers are buttons; the “Places in view” list reaches every place.'),
        h('li', null, h('kbd', null, 'Esc'), ' closes the filter panel and dialogs.'),
      ),
    ),
  );
  try {
    const r = await get<{ version?: string }>('/health');
    version.textContent = r.version ?? 'unknown';
  } catch {
    version.textContent = 'unknown';
  }
}
