// The empty state: no plays stored yet, and how to get some (connect a media server, import
// from Tautulli, or run the demo).

import { h } from '../dom';

/** The empty-state panel; `onRetry` checks again. */
export function emptyState(onRetry: () => void, isAdmin: boolean): HTMLElement {
  return h(
    'section',
    { class: 'empty-state', 'aria-labelledby': 'empty-title' },
    h('h1', { id: 'empty-title' }, 'No plays yet'),
    h('p', null, 'Cartographus has not stored any playback history. Plays appear here as soon as one arrives.'),
    h(
      'ol',
      null,
      h(
        'li',
        null,
        'Connect a media server: set ',
        h('code', null, 'ENABLE_PLEX_SYNC=true'),
        ' with ',
        h('code', null, 'PLEX_URL'),
        ' and ',
        h('code', null, 'PLEX_TOKEN'),
        ' (or the Jellyfin / Emby equivalents, or ',
        h('code', null, '[[plex]]'),
        ' entries in the TOML file) and restart. docs/CONFIGURATION.md lists every setting.',
      ),
      h(
        'li',
        null,
        'Bring your history: ',
        isAdmin ? h('a', { href: '/admin#import', 'data-keep-filter': true }, 'import it from Tautulli') : 'an admin can import it from Tautulli',
        '.',
      ),
      h('li', null, 'Or try it with made-up data: ', h('code', null, './scripts/demo.sh'), ' runs the server with a simulated world.'),
    ),
    h('button', { type: 'button', class: 'btn primary', onclick: onRetry }, 'Check again'),
  );
}
