/**
 * Pixel helpers shared by the geometric steps (rotate, mask, border, padding, watermark): canvases
 * of one colour, copying and compositing rasters, anti-aliased coverage of ellipses and rounded
 * rectangles, and bilinear sampling on premultiplied alpha. Rasters hold straight alpha (raster.ts);
 * everything that blends does so in premultiplied space so that transparent pixels never darken
 * their neighbours.
 */
import { unprocessable } from "../errors";
import type { Rgba } from "../request/color";
import { createRaster, type Raster } from "./raster";

/** The largest canvas side a step may produce. */
export const MAX_CANVAS_SIDE = 16384;

/**
 * How large an image the pipeline may make. `maxPixels` is the deployment's pixel limit
 * (MAX_INPUT_PIXELS): the memory budget that sets it holds for any image in the pipeline, not
 * only for inputs.
 */
export interface CanvasLimits {
  maxPixels: number;
}

/** Refuses (422), before anything is allocated, a canvas larger than the limits. */
export function checkCanvas(operation: string, width: number, height: number, limits: CanvasLimits): void {
  if (width > MAX_CANVAS_SIDE || height > MAX_CANVAS_SIDE || width * height > limits.maxPixels) {
    throw unprocessable(
      `The '${operation}' operation would make a ${width}×${height} image; this server's limit is ${MAX_CANVAS_SIDE} pixels per side and ${limits.maxPixels} pixels in all`,
    );
  }
}

/** The four bytes of a colour as one 32-bit word in this platform's byte order. */
export function packColor(color: Rgba): number {
  const word = new Uint32Array(1);
  new Uint8Array(word.buffer).set([color.r, color.g, color.b, color.a]);
  return word[0]!;
}

/** 32-bit view of a raster: one element per pixel, for copies that move whole pixels. */
export function pixels(image: Raster): Uint32Array {
  return new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
}

/** A new width × height raster filled with one colour. */
export function fillCanvas(width: number, height: number, color: Rgba): Raster {
  const canvas = createRaster(width, height, undefined, color.a === 255);
  pixels(canvas).fill(packColor(color));
  return canvas;
}

/** Copies `src` into `dst` with its top-left corner at (x, y), replacing pixels (no blending). */
export function blit(dst: Raster, src: Raster, x: number, y: number): void {
  const to = pixels(dst);
  const from = pixels(src);
  const x0 = Math.max(0, x);
  const x1 = Math.min(dst.width, x + src.width);
  if (x1 <= x0) return;
  for (let row = Math.max(0, y); row < Math.min(dst.height, y + src.height); row++) {
    const start = (row - y) * src.width + (x0 - x);
    to.set(from.subarray(start, start + (x1 - x0)), row * dst.width + x0);
  }
}

/**
 * Composites `src` over `dst` at (x, y) with straight-alpha "over"; `opacity` (0–1) scales the
 * source's alpha. `dst` is changed in place; its `opaque` flag stays right because "over" never
 * lowers alpha.
 */
export function compositeOver(dst: Raster, src: Raster, x: number, y: number, opacity = 1): void {
  const d = dst.data;
  const s = src.data;
  const x0 = Math.max(0, x);
  const x1 = Math.min(dst.width, x + src.width);
  for (let row = Math.max(0, y); row < Math.min(dst.height, y + src.height); row++) {
    let si = ((row - y) * src.width + (x0 - x)) * 4;
    let di = (row * dst.width + x0) * 4;
    for (let col = x0; col < x1; col++, si += 4, di += 4) {
      const sa = (s[si + 3]! * opacity) / 255;
      if (sa === 0) continue;
      const da = (d[di + 3]! / 255) * (1 - sa);
      const a = sa + da;
      d[di] = (s[si]! * sa + d[di]! * da) / a;
      d[di + 1] = (s[si + 1]! * sa + d[di + 1]! * da) / a;
      d[di + 2] = (s[si + 2]! * sa + d[di + 2]! * da) / a;
      d[di + 3] = a * 255;
    }
  }
}

/**
 * Writes at byte offset `i` of `out` the mix (1 − t)·under + t·over of two straight-alpha colours,
 * computed on premultiplied values: the building block of anti-aliased edges. `under` and `over`
 * are given as separate channels so that callers can pass pixels without allocating.
 */
export function writeMix(
  out: Uint8ClampedArray,
  i: number,
  ur: number, ug: number, ub: number, ua: number,
  or: number, og: number, ob: number, oa: number,
  t: number,
): void {
  const wu = ua * (1 - t);
  const wo = oa * t;
  const a = wu + wo;
  if (a === 0) {
    // Fully transparent: keep the colour channels of the mix, which no one will see.
    out[i] = ur + (or - ur) * t;
    out[i + 1] = ug + (og - ug) * t;
    out[i + 2] = ub + (ob - ub) * t;
    out[i + 3] = 0;
    return;
  }
  out[i] = (ur * wu + or * wo) / a;
  out[i + 1] = (ug * wu + og * wo) / a;
  out[i + 2] = (ub * wu + ob * wo) / a;
  out[i + 3] = a;
}

/** Coverage (0–1) of a pixel whose signed distance to a shape's edge is `d` (negative inside). */
function coverageOf(d: number): number {
  return d <= -0.5 ? 1 : d >= 0.5 ? 0 : 0.5 - d;
}

/**
 * Anti-aliased coverage of the pixel whose centre is (px, py) by the ellipse centred at (cx, cy)
 * with semi-axes rx, ry: the implicit function divided by its gradient gives the distance to the
 * edge, accurate to a fraction of a pixel where it matters (near the edge).
 */
export function ellipseCoverage(px: number, py: number, cx: number, cy: number, rx: number, ry: number): number {
  const nx = (px - cx) / rx;
  const ny = (py - cy) / ry;
  const f = nx * nx + ny * ny - 1;
  const gx = nx / rx;
  const gy = ny / ry;
  // |f| / |∇f| ≥ 0.5 ⇔ f² ≥ gx² + gy² (|∇f| = 2·√(gx² + gy²)): decided without a square root.
  const g2 = gx * gx + gy * gy;
  if (f * f >= g2) return f < 0 ? 1 : 0;
  return 0.5 - f / (2 * Math.sqrt(g2));
}

/**
 * Anti-aliased coverage of the pixel whose centre is (px, py) by the rectangle [x0, x1) × [y0, y1)
 * with corners rounded to `radius` (clamped to half the shorter side): the exact signed distance of
 * a rounded box.
 */
export function roundedRectCoverage(px: number, py: number, x0: number, y0: number, x1: number, y1: number, radius: number): number {
  const hw = (x1 - x0) / 2;
  const hh = (y1 - y0) / 2;
  if (hw <= 0 || hh <= 0) return 0;
  const r = Math.min(radius, hw, hh);
  const qx = Math.abs(px - (x0 + hw)) - (hw - r);
  const qy = Math.abs(py - (y0 + hh)) - (hh - r);
  const ox = Math.max(qx, 0);
  const oy = Math.max(qy, 0);
  const d = Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0) - r;
  return coverageOf(d);
}

/**
 * Calls `visit(x, y)` once for every pixel of a width × height canvas that lies within `radius` of
 * a corner, in both directions (the only pixels a rounded corner can change), never twice.
 */
export function forEachCornerPixel(width: number, height: number, radius: number, visit: (x: number, y: number) => void): void {
  const r = Math.ceil(Math.min(radius, width / 2, height / 2));
  if (r <= 0) return;
  const leftEnd = Math.min(r, width);
  const rightStart = Math.max(leftEnd, width - r);
  const topEnd = Math.min(r, height);
  const bottomStart = Math.max(topEnd, height - r);
  for (let y = 0; y < height; y++) {
    if (y === topEnd) y = bottomStart;
    if (y >= height) break;
    for (let x = 0; x < leftEnd; x++) visit(x, y);
    for (let x = rightStart; x < width; x++) visit(x, y);
  }
}

/**
 * Bilinear sample at (x, y) in pixel-index coordinates (pixel i's centre is at i) of the RGBA
 * pixels `d` (width × height), with everything outside transparent. Writes premultiplied
 * [r·a, g·a, b·a] (0–255·255) and a (0–255) into `out`, so edges fade out without dark fringes.
 * Takes the raster's fields rather than the raster, to keep the per-pixel call monomorphic.
 */
export function sampleBilinear(d: Uint8ClampedArray, width: number, height: number, x: number, y: number, out: Float64Array): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const w00 = (1 - fx) * (1 - fy);
  const w10 = fx * (1 - fy);
  const w01 = (1 - fx) * fy;
  const w11 = fx * fy;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
    // Inside: all four taps exist (the common case, without bounds checks).
    const i00 = (y0 * width + x0) * 4;
    const i10 = i00 + 4;
    const i01 = i00 + width * 4;
    const i11 = i01 + 4;
    const a00 = d[i00 + 3]! * w00;
    const a10 = d[i10 + 3]! * w10;
    const a01 = d[i01 + 3]! * w01;
    const a11 = d[i11 + 3]! * w11;
    out[0] = d[i00]! * a00 + d[i10]! * a10 + d[i01]! * a01 + d[i11]! * a11;
    out[1] = d[i00 + 1]! * a00 + d[i10 + 1]! * a10 + d[i01 + 1]! * a01 + d[i11 + 1]! * a11;
    out[2] = d[i00 + 2]! * a00 + d[i10 + 2]! * a10 + d[i01 + 2]! * a01 + d[i11 + 2]! * a11;
    out[3] = a00 + a10 + a01 + a11;
    return;
  }
  out[0] = out[1] = out[2] = out[3] = 0;
  addTap(d, width, height, x0, y0, w00, out);
  addTap(d, width, height, x0 + 1, y0, w10, out);
  addTap(d, width, height, x0, y0 + 1, w01, out);
  addTap(d, width, height, x0 + 1, y0 + 1, w11, out);
}

function addTap(d: Uint8ClampedArray, width: number, height: number, x: number, y: number, weight: number, out: Float64Array): void {
  if (weight === 0 || x < 0 || y < 0 || x >= width || y >= height) return;
  const i = (y * width + x) * 4;
  const a = d[i + 3]! * weight;
  out[0]! += d[i]! * a;
  out[1]! += d[i + 1]! * a;
  out[2]! += d[i + 2]! * a;
  out[3]! += a;
}

/** A rectangle of pixels: top-left corner and size. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A copy of a region of the image (the image itself when the region is all of it). */
export function extractRegion(image: Raster, region: Region): Raster {
  if (region.width === image.width && region.height === image.height) return image;
  const out = createRaster(region.width, region.height, undefined, image.opaque);
  const from = pixels(image);
  const to = pixels(out);
  for (let y = 0; y < region.height; y++) {
    const start = (region.y + y) * image.width + region.x;
    to.set(from.subarray(start, start + region.width), y * region.width);
  }
  return out;
}
