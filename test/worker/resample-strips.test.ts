/**
 * resizeStrips (the resampler pushed strips, wasm/src/resample.c's push mode) gives the same bytes
 * as resize() on the whole raster: with and without box pre-shrink, with alpha, upscaling, a region,
 * and whatever the strip heights of the source.
 */
import { describe, expect, it } from "vitest";
import type { Region } from "../../src/image/canvas";
import { resize, resizeStrips } from "../../src/image/resample";
import { createRaster, type Raster } from "../../src/image/raster";
import { materialise, rasterStrips } from "../../src/image/strips";
import { syntheticPhoto } from "./images";

function withAlpha(image: Raster): Raster {
  const data = new Uint8ClampedArray(image.data);
  for (let i = 3; i < data.length; i += 4) data[i] = (i * 7) % 256;
  return createRaster(image.width, image.height, data, false);
}

const photo = syntheticPhoto(731, 517);
const CASES: { name: string; image: Raster; width: number; height: number; region?: Region }[] = [
  { name: "down by 2.3 (no pre-shrink)", image: photo, width: 318, height: 225 },
  { name: "down by 7 (pre-shrink 3)", image: photo, width: 104, height: 74 },
  { name: "down with alpha", image: withAlpha(photo), width: 200, height: 141 },
  { name: "up by 1.7", image: photo, width: 1243, height: 879 },
  { name: "stretch", image: photo, width: 100, height: 500 },
  { name: "a region", image: photo, width: 150, height: 90, region: { x: 33, y: 101, width: 400, height: 250 } },
  { name: "to one row", image: photo, width: 300, height: 1 },
  { name: "down by 1.07", image: photo, width: 683, height: 483 },
  { name: "the same height", image: photo, width: 500, height: 517 },
];

describe("resizeStrips", () => {
  for (const c of CASES) {
    for (const rows of [1, 7, 64, 517]) {
      it(`${c.name}, source strips of ${rows} rows: same bytes as resize()`, async () => {
        const whole = await resize(c.image, c.width, c.height, { region: c.region });
        const streamed = await materialise(resizeStrips(rasterStrips(c.image, rows), c.width, c.height, { region: c.region }));
        expect(streamed.width).toBe(whole.width);
        expect(streamed.height).toBe(whole.height);
        expect(Buffer.from(streamed.data).equals(Buffer.from(whole.data))).toBe(true);
      });
    }
  }

  it("can be read twice (each pass its own instance)", async () => {
    const source = resizeStrips(rasterStrips(photo, 50), 200, 141);
    const a = await materialise(source);
    const b = await materialise(source);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });

  it("refuses bad sizes with the resize 422", () => {
    expect(() => resizeStrips(rasterStrips(photo), 0, 10)).toThrow(/Unable to resize/);
  });
});
