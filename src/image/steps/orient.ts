/**
 * Auto-orient: applies the EXIF orientation (1–8) to the pixels, so every later step and the output
 * (always orientation 1) see the image the way a viewer displays it.
 */
import { createRaster, type Raster } from "../raster";

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
