/**
 * Auto-orient: applies the EXIF orientation (1–8) to the pixels, so every later step and the output
 * (always orientation 1) see the image the way a viewer displays it.
 */
import { createRaster, type Raster } from "../raster";
import { materialise, type StripSource } from "../strips";

type SourceOf = (x: number, y: number, width: number, height: number) => [number, number];

/** For each orientation: where the displayed pixel (x, y) is found in the stored image (w × h). */
const SOURCE: Record<number, SourceOf> = {
  2: (x, y, w) => [w - 1 - x, y],
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  4: (x, y, _w, h) => [x, h - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y, _w, h) => [y, h - 1 - x],
  7: (x, y, w, h) => [w - 1 - y, h - 1 - x],
  8: (x, y, w) => [w - 1 - y, x],
};

/** Orientations 5–8 swap width and height. */
export function orientedSize(width: number, height: number, orientation: number): [number, number] {
  return orientation >= 5 && orientation <= 8 ? [height, width] : [width, height];
}

export function orient(image: Raster, orientation: number): Raster {
  const source = SOURCE[orientation];
  if (!source) return image;
  const [width, height] = orientedSize(image.width, image.height, orientation);
  const out = createRaster(width, height, undefined, image.opaque);
  const from = new Uint32Array(image.data.buffer, image.data.byteOffset, image.width * image.height);
  const to = new Uint32Array(out.data.buffer, out.data.byteOffset, width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const [sx, sy] = source(x, y, image.width, image.height);
      to[row + x] = from[sy * image.width + sx]!;
    }
  }
  return out;
}

type DestinationOf = (x: number, y: number, width: number, height: number) => [number, number];

/** Where a source pixel goes: the inverse of SOURCE (width, height: the source's). */
const DESTINATION: Record<number, DestinationOf> = {
  2: (x, y, w) => [w - 1 - x, y],
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  4: (x, y, _w, h) => [x, h - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y, _w, h) => [h - 1 - y, x],
  7: (x, y, w, h) => [h - 1 - y, w - 1 - x],
  8: (x, y, w) => [y, w - 1 - x],
};

/**
 * The oriented image of a strip source, in one raster: each strip's pixels are written straight to
 * their oriented places as it passes, so the only whole-image buffer is the result (orient() on a
 * materialised source would hold two).
 */
export async function orientStrips(source: StripSource, orientation: number): Promise<Raster> {
  const place = DESTINATION[orientation];
  if (!place) return materialise(source);
  const [width, height] = orientedSize(source.width, source.height, orientation);
  const out = createRaster(width, height, undefined, source.opaque);
  const to = new Uint32Array(out.data.buffer, out.data.byteOffset, width * height);
  for await (const strip of source.strips()) {
    const from = new Uint32Array(strip.data.buffer, strip.data.byteOffset, source.width * strip.rows);
    for (let r = 0; r < strip.rows; r++) {
      const sy = strip.top + r;
      for (let sx = 0; sx < source.width; sx++) {
        const [x, y] = place(sx, sy, source.width, source.height);
        to[y * width + x] = from[r * source.width + sx]!;
      }
    }
  }
  return out;
}
