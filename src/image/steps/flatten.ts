/** Flattens alpha onto a background colour, for output formats without transparency (JPEG). */
import type { Rgba } from "../../request/color";
import { createRaster, type Raster } from "../raster";
import type { StripSource } from "../strips";

export function flatten(image: Raster, background: Rgba): Raster {
  if (image.opaque) return image;
  // A translucent background is itself composited over white first.
  const bgAlpha = background.a / 255;
  const bg = [background.r, background.g, background.b].map((v) => v * bgAlpha + 255 * (1 - bgAlpha)) as [number, number, number];
  const data = image.data;
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3]!;
    if (alpha === 255) continue;
    const a = alpha / 255;
    data[i] = data[i]! * a + bg[0] * (1 - a);
    data[i + 1] = data[i + 1]! * a + bg[1] * (1 - a);
    data[i + 2] = data[i + 2]! * a + bg[2] * (1 - a);
    data[i + 3] = 255;
  }
  return { ...image, opaque: true };
}

/**
 * flatten() strip by strip, in place (as flatten is): on a decoder's strips, or on a raster's,
 * where a second pass finds the pixels already opaque and leaves them as they are.
 */
export function flattenStrips(source: StripSource, background: Rgba): StripSource {
  if (source.opaque) return source;
  return {
    width: source.width,
    height: source.height,
    opaque: true,
    async *strips() {
      for await (const strip of source.strips()) {
        flatten(createRaster(source.width, strip.rows, strip.data, false), background);
        yield strip;
      }
    },
  };
}
