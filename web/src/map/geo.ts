// Geometry helpers for the map pages: the viewport as the API's bounding box (across the
// antimeridian when it must), the H3 resolution for a zoom, and great-circle arcs.

/** A bounding box as `/spatial/viewport` takes it (`west > east` crosses the antimeridian). */
export interface BBox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Wraps a longitude into [-180, 180]. */
export function wrapLon(lon: number): number {
  const w = ((((lon + 180) % 360) + 360) % 360) - 180;
  return w === -180 && lon > 0 ? 180 : w;
}

/** A map's visible bounds as the API's box: the whole world when 360° or more are visible. */
export function viewportBox(west: number, south: number, east: number, north: number): BBox {
  const s = Math.max(-90, Math.min(90, south));
  const n = Math.max(-90, Math.min(90, north));
  if (east - west >= 360) return { west: -180, south: s, east: 180, north: n };
  const r = (x: number): number => Math.round(x * 1e4) / 1e4;
  return { west: r(wrapLon(west)), south: r(s), east: r(wrapLon(east)), north: r(n) };
}

/** The hexagon resolution for a zoom level: 6 far out, 7 in between, 8 close in. */
export function resolutionFor(zoom: number): 6 | 7 | 8 {
  if (zoom < 6) return 6;
  if (zoom < 9) return 7;
  return 8;
}

const RAD = Math.PI / 180;

/**
 * Points along the great circle from `a` to `b` (`[lon, lat]`), longitudes kept
 * continuous (they may leave [-180, 180]) so a line across the antimeridian draws
 * the short way.
 */
export function greatCircle(a: [number, number], b: [number, number], steps = 48): [number, number][] {
  const [lon1, lat1] = [a[0] * RAD, a[1] * RAD];
  const [lon2, lat2] = [b[0] * RAD, b[1] * RAD];
  const d =
    2 *
    Math.asin(
      Math.sqrt(Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2),
    );
  if (!Number.isFinite(d) || d < 1e-9) return [a, b];
  const out: [number, number][] = [];
  let prevLon: number | null = null;
  for (let i = 0; i <= steps; i++) {
    const f = i / steps;
    const A = Math.sin((1 - f) * d) / Math.sin(d);
    const B = Math.sin(f * d) / Math.sin(d);
    const x = A * Math.cos(lat1) * Math.cos(lon1) + B * Math.cos(lat2) * Math.cos(lon2);
    const y = A * Math.cos(lat1) * Math.sin(lon1) + B * Math.cos(lat2) * Math.sin(lon2);
    const z = A * Math.sin(lat1) + B * Math.sin(lat2);
    const lat = Math.atan2(z, Math.sqrt(x * x + y * y)) / RAD;
    let lon = Math.atan2(y, x) / RAD;
    if (prevLon !== null) {
      while (lon - prevLon > 180) lon -= 360;
      while (lon - prevLon < -180) lon += 360;
    }
    prevLon = lon;
    out.push([lon, lat]);
  }
  return out;
}
