// The UI's API client checked against the server's OpenAPI document (docs/openapi.json,
// which a server test keeps equal to the real router): every `get`, `post`, `put` and
// `apiUrl` call with a literal path in src/ must name an operation the document lists,
// with that method. A renamed or removed route fails here, not in a user's browser.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

interface OpenApi {
  paths: Record<string, Record<string, unknown>>;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `/users/${id}/x` and `/users/{id}/x` both become `/users/{}/x`. */
function shape(path: string): string {
  return path.replace(/\$\{[^}]*\}/g, '{}').replace(/\{[^}]*\}/g, '{}');
}

/** Every call of the client with a literal path: [method, path, file]. */
function calls(): [string, string, string][] {
  const pattern = /\b(get|post|put|apiUrl)(?:<[^>()]*(?:<[^>]*>[^>()]*)*>)?\(\s*(['"`])(\/[^'"`]*)\2/g;
  const out: [string, string, string][] = [];
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(pattern)) {
      const [, fn = '', , literal = ''] = m;
      const path = literal.split('?')[0] ?? literal;
      out.push([fn === 'apiUrl' ? 'get' : fn, path, file.slice(ROOT.length + 1)]);
    }
  }
  return out;
}

describe('the API client against docs/openapi.json', () => {
  const doc = JSON.parse(readFileSync(join(ROOT, '..', 'docs', 'openapi.json'), 'utf8')) as OpenApi;
  const operations = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) operations.add(`${method} ${shape(path)}`);
  }

  it('finds the client calls (the pattern still matches the code)', () => {
    assert.ok(calls().length >= 30, `only ${calls().length} calls found`);
  });

  it('calls only documented operations', () => {
    const unknown = calls()
      .filter(([method, path]) => !operations.has(`${method} ${shape(`/api/v1${path}`)}`))
      .map(([method, path, file]) => `${method.toUpperCase()} ${path} (${file})`);
    assert.deepEqual(unknown, [], 'calls the OpenAPI document does not list');
  });
});
