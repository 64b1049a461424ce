/**
 * Images as strips: how pixels move through the pipeline when a whole raster would not fit the
 * isolate. A strip is a band of whole rows (8-bit straight RGBA, like Raster). A StripSource can be
 * read top to bottom as many times as needed: each pass runs its decoder again from the input
 * bytes (which stay in memory), so nothing has to keep the whole image's pixels.
 *
 * Ownership: a strip's data is valid until the reader is asked for the next strip. Producers may
 * reuse one buffer for every strip of a pass; a consumer copies what it keeps.
 */
import { createRaster, type Raster } from "./raster";

export interface Strip {
  /** Index of the strip's first row in the image. */
  top: number;
  /** Rows in the strip (at least 1). */
  rows: number;
  /** width * rows * 4 bytes. */
  data: Uint8ClampedArray;
}

export interface StripSource {
  readonly width: number;
  readonly height: number;
  /** True when every alpha value is known to be 255. */
  readonly opaque: boolean;
  /**
   * One pass from row 0 to the last row, in order, each row exactly once. Ending the loop early
   * (break, throw) frees what the pass holds (the generator's finally blocks run).
   */
  strips(): AsyncGenerator<Strip, void, undefined>;
}

/** Rows per strip when the producer has no natural band height of its own. */
export const DEFAULT_STRIP_ROWS = 64;

/** A strip source over a raster in memory: `raster` is the raster itself. */
export interface RasterStrips extends StripSource {
  readonly raster: Raster;
}

/** A whole raster as a strip source: strips are views of its rows, no copies. */
export function rasterStrips(image: Raster, rows = DEFAULT_STRIP_ROWS): RasterStrips {
  return {
    raster: image,
    width: image.width,
    height: image.height,
    opaque: image.opaque,
    async *strips() {
      const rowBytes = image.width * 4;
      for (let top = 0; top < image.height; top += rows) {
        const count = Math.min(rows, image.height - top);
        yield { top, rows: count, data: image.data.subarray(top * rowBytes, (top + count) * rowBytes) };
      }
    },
  };
}

let largestMaterialised = 0;

/**
 * The largest raster materialise() made since the last call, in bytes, and a reset. The memory
 * meter cannot see when such a raster is let go, so the memory test counts it on top of the peak:
 * the streamed route should make none (only codecs without a strip version yet do).
 */
export function takeLargestMaterialised(): number {
  const largest = largestMaterialised;
  largestMaterialised = 0;
  return largest;
}

/** The raster behind a source made by rasterStrips, else undefined. */
export function rasterOf(source: StripSource): Raster | undefined {
  return "raster" in source ? (source as RasterStrips).raster : undefined;
}

/**
 * Reads every strip into one raster (only where a whole raster fits the budget); a source over a
 * raster gives that raster, not a copy.
 */
export async function materialise(source: StripSource): Promise<Raster> {
  const whole = rasterOf(source);
  if (whole) return whole;
  const image = createRaster(source.width, source.height, undefined, source.opaque);
  largestMaterialised = Math.max(largestMaterialised, image.data.byteLength);
  const rowBytes = source.width * 4;
  let next = 0;
  for await (const strip of source.strips()) {
    if (strip.top !== next || strip.data.length !== strip.rows * rowBytes) throw new Error(`strip at row ${strip.top} (${strip.rows} rows) out of order or of the wrong size`);
    image.data.set(strip.data, strip.top * rowBytes);
    next += strip.rows;
  }
  if (next !== source.height) throw new Error(`the strips ended at row ${next} of ${source.height}`);
  return image;
}

/**
 * Regroups a source's strips into strips of exactly `rows` rows (the last one shorter), for
 * consumers that work in fixed bands (AVIF tile rows, 16-row JPEG MCU rows). Copies into one
 * reused buffer of `rows` rows.
 */
export function rebanded(source: StripSource, rows: number): StripSource {
  return {
    width: source.width,
    height: source.height,
    opaque: source.opaque,
    async *strips() {
      const rowBytes = source.width * 4;
      const band = new Uint8ClampedArray(rows * rowBytes);
      let filled = 0;
      let top = 0;
      for await (const strip of source.strips()) {
        let offset = 0;
        while (offset < strip.rows) {
          const take = Math.min(rows - filled, strip.rows - offset);
          band.set(strip.data.subarray(offset * rowBytes, (offset + take) * rowBytes), filled * rowBytes);
          filled += take;
          offset += take;
          if (filled === rows) {
            yield { top, rows, data: band };
            top += rows;
            filled = 0;
          }
        }
      }
      if (filled > 0) yield { top, rows: filled, data: band.subarray(0, filled * rowBytes) };
    },
  };
}

/** What the encoders accept: a whole raster or strips. */
export type Picture = Raster | StripSource;

/** A picture as strips (a raster becomes rasterStrips of it). */
export function asStrips(picture: Picture): StripSource {
  return "strips" in picture ? picture : rasterStrips(picture);
}

/** A region of a source: rows outside it are skipped as they pass, columns cut from each strip. */
export function cropStrips(source: StripSource, region: { x: number; y: number; width: number; height: number }): StripSource {
  if (region.x === 0 && region.y === 0 && region.width === source.width && region.height === source.height) return source;
  return {
    width: region.width,
    height: region.height,
    opaque: source.opaque,
    async *strips() {
      const stride = source.width * 4;
      const rowBytes = region.width * 4;
      for await (const strip of source.strips()) {
        const first = Math.max(strip.top, region.y);
        const end = Math.min(strip.top + strip.rows, region.y + region.height);
        if (first >= end) {
          if (strip.top >= region.y + region.height) break;
          continue;
        }
        const out = new Uint8ClampedArray((end - first) * rowBytes);
        for (let y = first; y < end; y++) {
          const start = (y - strip.top) * stride + region.x * 4;
          out.set(strip.data.subarray(start, start + rowBytes), (y - first) * rowBytes);
        }
        yield { top: first - region.y, rows: end - first, data: out };
      }
    },
  };
}
