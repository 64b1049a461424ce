/** Flattens alpha onto a background colour, for output formats without transparency (JPEG). */
import type { Rgba } from "../../request/color";
import type { Raster } from "../raster";

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
