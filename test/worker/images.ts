/** Generated test images. */
import { createRaster, type Raster } from "../../src/image/raster";

/** Deterministic pseudo-random bytes (a linear congruential generator). */
export function noiseBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Smooth gradients with fine noise: compresses roughly like a photograph. */
export function syntheticPhoto(width: number, height: number, seed = 42): Raster {
  const image = createRaster(width, height);
  const noise = noiseBytes(width * height, seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const n = (noise[p]! & 31) - 16;
      image.data[p * 4] = (x * 255) / width + n;
      image.data[p * 4 + 1] = (y * 255) / height + n;
      image.data[p * 4 + 2] = 128 + 100 * Math.sin((x + y) / 150) + n;
      image.data[p * 4 + 3] = 255;
    }
  }
  return image;
}
