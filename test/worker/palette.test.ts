// Colour quantisation for PNG: at most N colours, and the quantised picture stays close to the
// original (mean absolute error per channel), with transparent pixels kept transparent.
import { describe, expect, it } from "vitest";
import { decode } from "../../src/image/codecs/png";
import { expandIndexed, quantize } from "../../src/image/palette";
import type { Raster } from "../../src/image/raster";
import { fixture } from "./fixtures";

function meanAbsoluteError(a: Raster, b: Raster): number {
  let total = 0;
  for (let i = 0; i < a.data.length; i++) total += Math.abs(a.data[i]! - b.data[i]!);
  return total / a.data.length;
}

function distinctColours(image: Raster): number {
  const seen = new Set<number>();
  const view = new DataView(image.data.buffer, image.data.byteOffset);
  for (let i = 0; i < image.data.length; i += 4) seen.add(view.getUint32(i));
  return seen.size;
}

describe("quantize", () => {
  it.each([
    [256, 3],
    [64, 5],
    [16, 10],
  ])("a photo to %i colours: at most that many, mean error under %i levels", async (colours, maxError) => {
    const photo = await decode(fixture("coffee.png"));
    const indexed = quantize(photo, colours);
    expect(indexed.palette.length / 4).toBeLessThanOrEqual(colours);
    const back = expandIndexed(indexed);
    expect(distinctColours(back)).toBeLessThanOrEqual(colours);
    expect(meanAbsoluteError(photo, back)).toBeLessThan(maxError);
    expect(back.opaque).toBe(true);
  });

  it("keeps transparent pixels transparent and opaque ones opaque", async () => {
    const logo = await decode(fixture("logo.png"));
    const back = expandIndexed(quantize(logo, 64));
    let mismatches = 0;
    for (let i = 3; i < logo.data.length; i += 4) {
      if ((logo.data[i] === 0) !== (back.data[i] === 0) || (logo.data[i] === 255) !== (back.data[i] === 255)) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(meanAbsoluteError(logo, back)).toBeLessThan(6);
  });
});
