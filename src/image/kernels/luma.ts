/**
 * Luma helpers shared by the colour steps: Rec. 709 weights on the gamma-encoded values (as
 * libvips' and ImageMagick's grey conversions), and local-detail boosts (unsharp mask, clarity)
 * that blur the luma only and add the same difference to R, G and B, so sharpening never shifts
 * hues or makes colour fringes. Alpha is left as it is; the blurred luma is weighted by alpha, so
 * transparent pixels do not count as dark neighbours.
 */
import type { Raster } from "../raster";
import { separable, type LineFilter } from "./blur";

export const LUMA_R = 0.2126;
export const LUMA_G = 0.7152;
export const LUMA_B = 0.0722;

export function luma(r: number, g: number, b: number): number {
  return LUMA_R * r + LUMA_G * g + LUMA_B * b;
}

/**
 * Adds gain[round(Y)] · (Y − blurred Y) to the colour channels of every pixel, in place, where Y is
 * the pixel's luma and the blur is `filter`. A gain per luma level lets clarity spare the
 * shadows and highlights; unsharp uses one gain throughout.
 */
export function addLumaDetail(image: Raster, filter: LineFilter, gain: Float32Array): void {
  const { width, height, data } = image;
  const channels = image.opaque ? 1 : 2;
  separable(width, height, channels, filter,
    (y, row) => {
      for (let x = 0, i = y * width * 4, j = 0; x < width; x++, i += 4, j += channels) {
        const l = luma(data[i]!, data[i + 1]!, data[i + 2]!);
        if (channels === 1) row[j] = l;
        else {
          row[j] = (l * data[i + 3]!) / 255;
          row[j + 1] = data[i + 3]!;
        }
      }
    },
    (x0, columns, count) => {
      for (let y = 0; y < height; y++) {
        for (let r = 0, i = (y * width + x0) * 4, j = y * channels; r < count; r++, i += 4) {
          const column = columns[r]!;
          const l = luma(data[i]!, data[i + 1]!, data[i + 2]!);
          let blurred = column[j]!;
          if (channels === 2) {
            const a = column[j + 1]!;
            blurred = a > 0 ? (blurred * 255) / a : l;
          }
          const delta = gain[Math.round(l)]! * (l - blurred);
          data[i] = data[i]! + delta;
          data[i + 1] = data[i + 1]! + delta;
          data[i + 2] = data[i + 2]! + delta;
        }
      }
    });
}
