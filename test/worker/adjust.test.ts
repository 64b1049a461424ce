/**
 * adjust (tone, colour, clarity, unsharp) on real photographs: each parameter at its extremes and
 * a middle value moves the image statistics the right way by the expected amount; neutral values
 * change nothing; alpha is kept; invalid values are 422s naming the parameter.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { blurRaster, gaussianFilter } from "../../src/image/kernels/blur";
import { createRaster, type Raster } from "../../src/image/raster";
import { adjust as adjustStep, claritySigma, toneCurve } from "../../src/image/steps/adjust";
import { decode } from "../../src/image/transcode";
import { NEUTRAL_ADJUST, parseAdjust, type AdjustPlan } from "../../src/request/adjust";
import { chromas, edgeEnergy, lumas, lumaSpread, mean, meanChroma, meanHueShift, meanLinear, meanLuma } from "./colour-stats";
import { fixture } from "./fixtures";
import { expect422 } from "./helpers";
import { pixel } from "./metrics";

const adjust = (image: Raster, values: Partial<AdjustPlan>) => adjustStep(image, { ...NEUTRAL_ADJUST, ...values });

let photo: Raster;
let base: { luma: number; spread: number; chroma: number; linear: number };
beforeAll(async () => {
  photo = await decode(fixture("chelsea.jpg"), "jpeg");
  base = { luma: meanLuma(photo), spread: lumaSpread(photo), chroma: meanChroma(photo), linear: meanLinear(photo) };
});

function solid(width: number, height: number, colour: (x: number, y: number) => [number, number, number, number]): Raster {
  const image = createRaster(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image.data.set(colour(x, y), (y * width + x) * 4);
  image.opaque = colour(0, 0)[3] === 255;
  return image;
}

describe("neutral values", () => {
  it("parse to nothing, so the step is skipped", () => {
    expect(parseAdjust({})).toBeUndefined();
    expect(parseAdjust(null)).toBeUndefined();
    expect(parseAdjust({ brightness: 0, contrast: "0", saturation: 0, exposure: 0, vibrance: 0, gamma: 1, hue: 0, unsharp: 0, clarity: 0 })).toBeUndefined();
    expect(parseAdjust({ gamma: "1.0", hue: null })).toBeUndefined();
    expect(parseAdjust({ hue: "-30", brightness: "12" })).toEqual({ ...NEUTRAL_ADJUST, hue: -30, brightness: 12 });
  });

  it("are pixel-identical to no operation, and the input is not modified", () => {
    const copy = photo.data.slice();
    expect(adjust(photo, {}).data).toEqual(photo.data);
    expect(toneCurve(NEUTRAL_ADJUST)).toBeUndefined();
    adjust(photo, { brightness: 40, hue: 30, unsharp: 50 });
    expect(photo.data).toEqual(copy);
  });
});

describe("tone", () => {
  it("brightness mixes toward white or black by the percentage", () => {
    expect(meanLuma(adjust(photo, { brightness: -100 }))).toBe(0);
    expect(meanLuma(adjust(photo, { brightness: 100 }))).toBeCloseTo(255, 6);
    expect(meanLuma(adjust(photo, { brightness: -50 }))).toBeCloseTo(base.luma / 2, 0);
    expect(meanLuma(adjust(photo, { brightness: 50 }))).toBeCloseTo(base.luma + (255 - base.luma) / 2, 0);
    expect(meanLuma(adjust(photo, { brightness: 10 }))).toBeGreaterThan(base.luma + 10);
  });

  it("contrast scales the spread around mid-grey", () => {
    expect(lumaSpread(adjust(photo, { contrast: -50 }))).toBeCloseTo(base.spread / 2, 0);
    expect(lumaSpread(adjust(photo, { contrast: -100 }))).toBeCloseTo(base.spread / 4, 0);
    const plus50 = lumaSpread(adjust(photo, { contrast: 50 }));
    expect(plus50 / base.spread).toBeGreaterThan(1.5); // ×2 before clipping
    expect(plus50 / base.spread).toBeLessThanOrEqual(2.01);
    expect(lumaSpread(adjust(photo, { contrast: 100 }))).toBeGreaterThan(plus50);
  });

  it("exposure scales linear light: −50 halves it, −100 quarters it", () => {
    expect(meanLinear(adjust(photo, { exposure: -50 })) / base.linear).toBeCloseTo(0.5, 1);
    expect(meanLinear(adjust(photo, { exposure: -100 })) / base.linear).toBeCloseTo(0.25, 1);
    const plus50 = meanLinear(adjust(photo, { exposure: 50 })) / base.linear;
    expect(plus50).toBeGreaterThan(1.6); // ×2 before highlights clip
    expect(plus50).toBeLessThanOrEqual(2.01);
    expect(meanLinear(adjust(photo, { exposure: 100 })) / base.linear).toBeGreaterThan(plus50);
  });

  it("gamma raises values to 1/gamma: > 1 brightens, < 1 darkens", () => {
    expect(toneCurve({ ...NEUTRAL_ADJUST, gamma: 2 })![128]).toBe(181); // 255 · (128/255)^0.5 = 180.7
    expect(toneCurve({ ...NEUTRAL_ADJUST, gamma: 0.5 })![128]).toBe(64); // 255 · (128/255)^2 = 64.3
    expect(meanLuma(adjust(photo, { gamma: 0.1 }))).toBeLessThan(10);
    expect(meanLuma(adjust(photo, { gamma: 10 }))).toBeGreaterThan(200);
    const two = meanLuma(adjust(photo, { gamma: 2 }));
    expect(two).toBeGreaterThan(base.luma + 20);
    expect(two).toBeLessThan(200);
  });

  it("keeps black and white where they are unless brightness moves them", () => {
    for (const values of [{ gamma: 3 }, { gamma: 0.3 }, { exposure: 40 }, { contrast: 30 }]) {
      const lut = toneCurve({ ...NEUTRAL_ADJUST, ...values })!;
      expect([lut[0], lut[255]]).toEqual([0, 255]);
    }
    // Exposure −100 is two stops down: white becomes linear 0.25, sRGB 0.537.
    expect(toneCurve({ ...NEUTRAL_ADJUST, exposure: -100 })![255]).toBe(137);
  });
});

describe("colour", () => {
  it("saturation −100 is greyscale, −50 halves and +50 grows the colour", () => {
    const grey = adjust(photo, { saturation: -100 });
    expect(chromas(grey).reduce((a, b) => Math.max(a, b), 0)).toBeLessThanOrEqual(1);
    expect(meanLuma(grey)).toBeCloseTo(base.luma, 0);
    expect(meanChroma(adjust(photo, { saturation: -50 })) / base.chroma).toBeCloseTo(0.5, 1);
    const plus50 = meanChroma(adjust(photo, { saturation: 50 })) / base.chroma;
    expect(plus50).toBeGreaterThan(1.35);
    expect(plus50).toBeLessThanOrEqual(1.51);
    expect(meanChroma(adjust(photo, { saturation: 100 })) / base.chroma).toBeGreaterThan(plus50);
  });

  it("vibrance moves muted colours more than vivid ones", () => {
    const before = chromas(photo);
    const after = chromas(adjust(photo, { vibrance: 100 }));
    const growth = (lo: number, hi: number) => {
      let a = 0, b = 0;
      for (let p = 0; p < before.length; p++) if (before[p]! >= lo && before[p]! < hi) { a += before[p]!; b += after[p]!; }
      return b / a;
    };
    expect(growth(10, 40)).toBeGreaterThan(1.6);
    expect(growth(100, 256)).toBeLessThan(growth(10, 40));
    expect(meanChroma(adjust(photo, { vibrance: 50 }))).toBeGreaterThan(base.chroma * 1.2);
    expect(meanChroma(adjust(photo, { vibrance: -100 }))).toBeLessThan(base.chroma * 0.3);
    expect(meanChroma(adjust(photo, { vibrance: -50 }))).toBeLessThan(base.chroma * 0.65);
  });

  it("hue turns known colours around the HSV wheel", () => {
    const red = solid(2, 1, () => [255, 0, 0, 255]);
    expect(pixel(adjust(red, { hue: 120 }), 0, 0)).toEqual([0, 255, 0, 255]);
    expect(pixel(adjust(red, { hue: -120 }), 0, 0)).toEqual([0, 0, 255, 255]);
    expect(pixel(adjust(red, { hue: 60 }), 0, 0)).toEqual([255, 255, 0, 255]);
    expect(pixel(adjust(red, { hue: 180 }), 0, 0)).toEqual([0, 255, 255, 255]);
    expect(pixel(adjust(red, { hue: -180 }), 0, 0)).toEqual([0, 255, 255, 255]);
    expect(pixel(adjust(solid(1, 1, () => [90, 90, 90, 255]), { hue: 77 }), 0, 0)).toEqual([90, 90, 90, 255]);
  });

  it("hue shifts a photo's hues by the angle and keeps its chroma", () => {
    for (const angle of [-180, -90, 45, 90, 180]) {
      const turned = adjust(photo, { hue: angle });
      const shift = meanHueShift(photo, turned);
      expect(Math.abs(((shift - angle + 540) % 360) - 180)).toBeLessThan(3);
      expect(meanChroma(turned)).toBeCloseTo(base.chroma, 0);
    }
  });
});

describe("detail", () => {
  const edge = () => solid(64, 8, (x) => (x < 32 ? [100, 100, 100, 255] : [150, 150, 150, 255]));

  it("unsharp overshoots both sides of an edge, more with the value, and leaves flat areas alone", () => {
    let previous = 0;
    for (const value of [10, 50, 100]) {
      const out = adjust(edge(), { unsharp: value });
      const dark = 100 - pixel(out, 31, 4)[0];
      const light = pixel(out, 32, 4)[0] - 150;
      expect(dark).toBeGreaterThan(previous);
      expect(light).toBeCloseTo(dark, -1);
      previous = dark;
      expect(pixel(out, 0, 4)).toEqual([100, 100, 100, 255]);
      expect(pixel(out, 63, 4)).toEqual([150, 150, 150, 255]);
    }
    // σ = 2 px and amount 2 at 100: the pixel next to the edge goes ~0.4 · 50 · 2 = ~40 below.
    expect(previous).toBeGreaterThan(25);
    expect(previous).toBeLessThan(55);
  });

  it("unsharp sharpens a photo without changing its brightness", () => {
    const energy = [0, 25, 50, 100].map((value) => edgeEnergy(value ? adjust(photo, { unsharp: value }) : photo));
    for (let i = 1; i < energy.length; i++) expect(energy[i]!).toBeGreaterThan(energy[i - 1]! * 1.1);
    expect(meanLuma(adjust(photo, { unsharp: 100 }))).toBeCloseTo(base.luma, 0);
  });

  it("clarity raises local contrast in the midtones, more with the value", () => {
    const sigma = claritySigma(photo.width, photo.height);
    const local = (image: Raster) => {
      const l = lumas(image);
      const blurred = lumas(blurRaster(image, gaussianFilter(sigma)));
      return mean(l.map((v, p) => Math.abs(v - blurred[p]!)));
    };
    const before = local(photo);
    const half = local(adjust(photo, { clarity: 50 }));
    const full = local(adjust(photo, { clarity: 100 }));
    expect(half).toBeGreaterThan(before * 1.15);
    expect(full).toBeGreaterThan(half * 1.1);
    expect(Math.abs(meanLuma(adjust(photo, { clarity: 100 })) - base.luma)).toBeLessThan(3);
  });

  it("clarity leaves pure black and white alone", () => {
    const bars = solid(120, 40, (x) => (x < 40 ? [0, 0, 0, 255] : x < 80 ? [128, 128, 128, 255] : [255, 255, 255, 255]));
    const out = adjust(bars, { clarity: 100 });
    expect(pixel(out, 39, 20)).toEqual([0, 0, 0, 255]);
    expect(pixel(out, 80, 20)).toEqual([255, 255, 255, 255]);
    expect(pixel(out, 79, 20)[0]).toBeLessThan(128);
  });
});

describe("alpha", () => {
  it("is never changed, and the opaque flag follows the input", async () => {
    const logo = await decode(fixture("logo.png"), "png");
    expect(logo.opaque).toBe(false);
    const out = adjust(logo, { brightness: 30, contrast: 20, saturation: 50, hue: 90, unsharp: 80, clarity: 60, gamma: 1.5 });
    expect(out.opaque).toBe(false);
    for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== logo.data[i]) throw new Error(`alpha changed at ${i}`);
    expect(adjust(photo, { unsharp: 50, clarity: 50 }).opaque).toBe(true);
  });
});

describe("validation", () => {
  const cases: Array<[object, RegExp]> = [
    [{ brightness: 101 }, /^Adjust 'brightness' parameter must be an integer from -100 to 100/],
    [{ contrast: -101 }, /^Adjust 'contrast' parameter must be an integer from -100 to 100/],
    [{ saturation: 2.5 }, /^Adjust 'saturation' parameter must be an integer from -100 to 100/],
    [{ exposure: "lots" }, /^Adjust 'exposure' parameter must be an integer/],
    [{ vibrance: true }, /^Adjust 'vibrance' parameter must be an integer/],
    [{ gamma: 0 }, /^Adjust 'gamma' parameter must be a number from 0.1 to 10/],
    [{ gamma: 10.5 }, /^Adjust 'gamma' parameter must be a number from 0.1 to 10/],
    [{ hue: 181 }, /^Adjust 'hue' parameter must be a number from -180 to 180/],
    [{ unsharp: -1 }, /^Adjust 'unsharp' parameter must be a number from 0 to 100/],
    [{ clarity: 101 }, /^Adjust 'clarity' parameter must be a number from 0 to 100/],
    [{ sharpen: 10 }, /^Adjust has no 'sharpen' parameter; allowed: 'brightness'/],
  ];
  for (const [section, message] of cases) {
    it(JSON.stringify(section), () => expect422(() => parseAdjust(section), message));
  }
  it("refuses a section that is not an object", () => expect422(() => parseAdjust(50), /'adjust' must be an object/));
});
