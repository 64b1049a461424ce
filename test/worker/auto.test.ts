/**
 * auto.enhance: a deliberately dulled, colour-cast photo gets its spread and neutral balance
 * back; well-exposed photos are left nearly unchanged (SSIM ≥ 0.97); alpha is kept; the parser.
 */
import { describe, expect, it } from "vitest";
import { createRaster, type Raster } from "../../src/image/raster";
import { autoEnhance } from "../../src/image/steps/auto";
import { decode } from "../../src/image/transcode";
import { parseAuto } from "../../src/request/auto";
import { lumas, lumaSpread, mean, meanLuma } from "./colour-stats";
import { fixture } from "./fixtures";
import { expect422 } from "./helpers";
import { ssim } from "./metrics";

async function photo(name: string): Promise<Raster> {
  return decode(fixture(name), name.endsWith(".png") ? "png" : "jpeg");
}

/** Squeezes the levels into 70…185, darkens the midtones and adds a warm cast. */
function dull(image: Raster): Raster {
  const out = createRaster(image.width, image.height, image.data.slice(), image.opaque);
  const d = out.data;
  for (let i = 0; i < d.length; i += 4) {
    for (let c = 0; c < 3; c++) d[i + c] = 70 + 115 * (d[i + c]! / 255) ** 1.4 + (c === 0 ? 14 : c === 2 ? -14 : 0);
  }
  return out;
}

/** Mean of R − B over the pixels: the warmth of the cast. */
function warmth(image: Raster): number {
  let sum = 0;
  for (let i = 0; i < image.data.length; i += 4) sum += image.data[i]! - image.data[i + 2]!;
  return sum / (image.data.length / 4);
}

/** Spread between the 1st and 99th percentile of luma. */
function range(image: Raster): number {
  const sorted = lumas(image).sort();
  return sorted[Math.floor(sorted.length * 0.99)]! - sorted[Math.floor(sorted.length * 0.01)]!;
}

describe("auto.enhance", () => {
  for (const name of ["chelsea.jpg", "coffee.png", "astronaut.jpg"]) {
    it(`restores a dulled ${name}: wider histogram, cast removed`, async () => {
      const original = await photo(name);
      const dulled = dull(original);
      const fixed = autoEnhance(dulled);
      expect(range(fixed)).toBeGreaterThan(range(dulled) * 1.6);
      expect(lumaSpread(fixed)).toBeGreaterThan(lumaSpread(dulled) * 1.5);
      expect(Math.abs(warmth(fixed) - warmth(original))).toBeLessThan(Math.abs(warmth(dulled) - warmth(original)) / 2);
      expect(ssim(fixed, original)).toBeGreaterThan(ssim(dulled, original));
    });
  }

  for (const name of ["chelsea.jpg", "coffee.png", "astronaut.jpg", "rocket.jpg"]) {
    it(`barely changes the well-exposed ${name} (SSIM ≥ 0.97)`, async () => {
      const original = await photo(name);
      const out = autoEnhance(original);
      expect(ssim(out, original)).toBeGreaterThanOrEqual(0.97);
      expect(Math.abs(meanLuma(out) - meanLuma(original))).toBeLessThan(12);
    });
  }

  it("leaves a photo that uses the whole tonal range exactly as it is, even a dark one", async () => {
    for (const name of ["astronaut.jpg", "rocket.jpg"]) {
      const original = await photo(name);
      expect(autoEnhance(original).data).toEqual(original.data);
    }
  });

  it("keeps a flat grey picture grey and does not blow it up", () => {
    const flat = createRaster(40, 30);
    for (let i = 0; i < flat.data.length; i += 4) flat.data.set([120 + (i % 3), 120, 120 + (i % 2), 255], i);
    const out = autoEnhance(flat);
    expect(Math.max(...lumas(out)) - Math.min(...lumas(out))).toBeLessThan(12); // a stretch of at most ×3
    expect(Math.abs(mean(lumas(out)) - mean(lumas(flat)))).toBeLessThan(20);
  });

  it("ignores fully transparent pixels, keeps alpha and leaves its input alone", async () => {
    const logo = await photo("logo.png");
    const copy = logo.data.slice();
    const out = autoEnhance(logo);
    expect(out.opaque).toBe(false);
    for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== logo.data[i]) throw new Error(`alpha changed at ${i}`);
    expect(logo.data).toEqual(copy);
    const empty = createRaster(4, 4, undefined, false);
    expect(autoEnhance(empty).data).toEqual(empty.data);
  });
});

describe("parsing", () => {
  it("reads enhance as a boolean; false or nothing asks for nothing", () => {
    expect(parseAuto({ enhance: true })).toEqual({ enhance: true });
    expect(parseAuto({ enhance: "true" })).toEqual({ enhance: true });
    expect(parseAuto({ enhance: false })).toBeUndefined();
    expect(parseAuto({})).toBeUndefined();
    expect(parseAuto(null)).toBeUndefined();
  });

  it("refuses other values with 422s naming the parameter", () => {
    expect422(() => parseAuto({ enhance: "yes" }), /^Auto 'enhance' parameter must be a boolean/);
    expect422(() => parseAuto({ contrast: true }), /^Auto has no 'contrast' parameter; allowed: 'enhance'/);
    expect422(() => parseAuto(true), /'auto' must be an object/);
  });
});
