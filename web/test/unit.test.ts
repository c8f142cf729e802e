// Unit tests of the pure modules (no browser): big-integer-safe JSON, viewport boxes,
// great circles and hexagon resolutions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseJson } from '../src/api/json.ts';
import { greatCircle, resolutionFor, viewportBox, wrapLon } from '../src/map/geo.ts';

describe('parseJson', () => {
  it('keeps 64-bit integers as strings and leaves everything else alone', () => {
    const v = parseJson('{"a":1392106411397304577,"b":"x 12345678901234567890 \\" y","c":[-9007199254740993,1.5e10,3],"d":9007199254740991}');
    assert.deepEqual(v, { a: '1392106411397304577', b: 'x 12345678901234567890 " y', c: ['-9007199254740993', 1.5e10, 3], d: 9007199254740991 });
  });

  it('parses ordinary JSON like JSON.parse', () => {
    const text = '{"x":[1,2.5,-3e-2,true,null,"\\\\\\"q"],"y":{"z":"1234567890123456789"}}';
    assert.deepEqual(parseJson(text), JSON.parse(text));
  });
});

describe('map geometry', () => {
  it('wraps longitudes into [-180, 180]', () => {
    assert.equal(wrapLon(190), -170);
    assert.equal(wrapLon(-190), 170);
    assert.equal(wrapLon(180), 180);
    assert.equal(wrapLon(540), 180);
  });

  it('turns a map view into the API box, across the antimeridian when needed', () => {
    assert.deepEqual(viewportBox(-400, -95, 400, 95), { west: -180, south: -90, east: 180, north: 90 });
    const pacific = viewportBox(170, -30, 200, -10);
    assert.equal(pacific.west, 170);
    assert.equal(pacific.east, -160);
    assert.ok(pacific.west > pacific.east, 'west > east crosses the antimeridian');
  });

  it('draws great circles the short way round', () => {
    const pts = greatCircle([170, 0], [-170, 0], 4);
    assert.equal(pts.length, 5);
    for (let i = 1; i < pts.length; i++) assert.ok(Math.abs((pts[i]?.[0] ?? 0) - (pts[i - 1]?.[0] ?? 0)) < 10);
    const mid = pts[2] ?? [0, 0];
    assert.ok(Math.abs(Math.abs(mid[0]) - 180) < 1e-6);
  });

  it('chooses hexagon resolutions 6, 7 and 8 by zoom', () => {
    assert.equal(resolutionFor(2), 6);
    assert.equal(resolutionFor(7), 7);
    assert.equal(resolutionFor(11), 8);
  });
});
