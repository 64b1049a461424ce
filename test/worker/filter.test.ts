/**
 * filter / stylize: the Gaussian's spread against sigma (1-px lines and wide bars, both
 * directions), box blur, pixelate blocks, grayscale, sepia and negative at known pixels, vignette,
 * alpha handling, and the parser (alias, neutral values, 422s naming the parameter).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createRaster, type Raster } from "../../src/image/raster";
import { filter as filterStep } from "../../src/image/steps/filter";
import { decode } from "../../src/image/transcode";
import { parseFilter, type FilterPlan } from "../../src/request/filter";
import { chromas, meanLuma } from "./colour-stats";
import { fixture } from "./fixtures";
import { expect422 } from "./helpers";
import { pixel } from "./metrics";

type Px = [number, number, number, number];
const NONE: FilterPlan = { grayscale: false, sepia: false, negative: false, pixelate: 1, vignette: 0 };
const filter = (image: Raster, values: Partial<FilterPlan>) => filterStep(image, { ...NONE, ...values });
const gaussian = (value: number) => ({ blur: { mode: "gaussian" as const, value } });

function build(width: number, height: number, colour: (x: number, y: number) => Px): Raster {
  const image = createRaster(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image.data.set(colour(x, y), (y * width + x) * 4);
  image.opaque = !image.data.some((v, i) => i % 4 === 3 && v !== 255);
  return image;
}

let photo: Raster;
beforeAll(async () => {
  photo = await decode(fixture("chelsea.jpg"), "jpeg");
});

/** The red channel along row y (horizontal) or column x (vertical) through the middle. */
function profile(image: Raster, vertical: boolean): number[] {
  const n = vertical ? image.height : image.width;
  return Array.from({ length: n }, (_, k) => (vertical ? pixel(image, image.width >> 1, k) : pixel(image, k, image.height >> 1))[0]);
}

function spread(values: number[]): { centre: number; variance: number } {
  const total = values.reduce((a, b) => a + b, 0);
  const centre = values.reduce((a, v, k) => a + v * k, 0) / total;
  return { centre, variance: values.reduce((a, v, k) => a + v * (k - centre) ** 2, 0) / total };
}

/** A white band `width` px wide across the middle of a black image, vertical or horizontal. */
function band(size: number, width: number, vertical: boolean): Raster {
  const c = size >> 1;
  const inside = (k: number) => Math.abs(k - c) <= (width - 1) / 2;
  return build(vertical ? 9 : size, vertical ? size : 9, (x, y) => (inside(vertical ? y : x) ? [255, 255, 255, 255] : [0, 0, 0, 255]));
}

describe("gaussian blur", () => {
  it("keeps a flat image flat up to its edges, for direct and recursive sigmas", () => {
    const flat = build(60, 40, () => [37, 200, 90, 255]);
    for (const sigma of [0.5, 1.9, 2, 7, 30, 100]) {
      const out = filter(flat, gaussian(sigma));
      expect(out.data).toEqual(flat.data);
    }
  });

  for (const sigma of [0.8, 1.5, 3, 6]) {
    it(`spreads a 1-px line with standard deviation σ = value = ${sigma}, across and down`, () => {
      for (const vertical of [false, true]) {
        const out = filter(band(201, 1, vertical), gaussian(sigma));
        const { centre, variance } = spread(profile(out, vertical));
        expect(centre).toBeCloseTo(100, 1);
        expect(Math.abs(Math.sqrt(variance) - sigma) / sigma).toBeLessThan(0.05);
      }
    });
  }

  for (const sigma of [10, 25, 50]) {
    it(`adds σ² = ${sigma ** 2} to the variance of a 21-px bar and matches the exact Gaussian profile`, () => {
      const bar = 21;
      const size = 601;
      for (const vertical of [false, true]) {
        const got = profile(filter(band(size, bar, vertical), gaussian(sigma)), vertical);
        const { variance } = spread(got);
        expect(Math.abs(Math.sqrt(variance - (bar * bar - 1) / 12) - sigma) / sigma).toBeLessThan(0.02);
        // The exact result: the bar convolved with the sampled Gaussian.
        const c = size >> 1;
        const weights = Array.from({ length: size }, (_, k) => Math.exp(-((k - c) ** 2) / (2 * sigma * sigma)));
        const norm = weights.reduce((a, b) => a + b, 0);
        let worst = 0;
        for (let x = 0; x < size; x++) {
          let expected = 0;
          for (let k = c - 10; k <= c + 10; k++) expected += (255 * weights[Math.min(size - 1, Math.max(0, x - k + c))]!) / norm;
          worst = Math.max(worst, Math.abs(got[x]! - expected));
        }
        // Within the rounding to 8 bits (a sum of three boxes of the same variance is off by 6 % of the peak).
        expect(worst).toBeLessThanOrEqual(1);
      }
    });
  }

  it("grows with the value and keeps the mean of a photo", () => {
    const rough = (image: Raster) => {
      let sum = 0;
      for (let i = 4; i < image.data.length; i += 4) sum += Math.abs(image.data[i]! - image.data[i - 4]!);
      return sum;
    };
    const values = [0.5, 2, 10, 100].map((v) => filter(photo, gaussian(v)));
    for (let i = 1; i < values.length; i++) expect(rough(values[i]!)).toBeLessThan(rough(values[i - 1]!));
    expect(rough(values[0]!)).toBeLessThan(rough(photo));
    for (const out of values) expect(Math.abs(meanLuma(out) - meanLuma(photo))).toBeLessThan(2);
  });

  it("lends no colour from transparent pixels and blurs the alpha edge", () => {
    // Left half: transparent green (invisible); right half: opaque blue.
    const image = build(40, 10, (x) => (x < 20 ? [0, 255, 0, 0] : [0, 0, 255, 255]));
    const out = filter(image, gaussian(3));
    expect(out.opaque).toBe(false);
    for (let x = 0; x < 40; x++) {
      const [, g, b, a] = pixel(out, x, 5);
      if (a > 0) expect([g, b]).toEqual([0, 255]);
    }
    expect(pixel(out, 19, 5)[3]).toBeGreaterThan(50);
    expect(pixel(out, 19, 5)[3]).toBeLessThan(205);
    expect(pixel(out, 0, 5)[3]).toBe(0);
  });
});

describe("box blur", () => {
  it("spreads one pixel over a (2·round(value) + 1)² square of equal weights", () => {
    const dot = build(21, 21, (x, y) => (x === 10 && y === 10 ? [245, 245, 245, 255] : [0, 0, 0, 255]));
    const out = filter(dot, { blur: { mode: "box", value: 3.2 } });
    for (let y = 0; y < 21; y++) {
      for (let x = 0; x < 21; x++) expect(pixel(out, x, y)[0]).toBe(Math.abs(x - 10) <= 3 && Math.abs(y - 10) <= 3 ? 5 : 0);
    }
    expect(out.opaque).toBe(true);
  });

  it("leaves the image alone below a radius of 1", () => {
    expect(filter(photo, { blur: { mode: "box", value: 0.4 } }).data).toEqual(photo.data);
  });
});

describe("pixelate", () => {
  it("fills each block with its mean colour, partial blocks at the right and bottom edges", () => {
    for (const n of [2, 16, 100]) {
      const blocks = filter(photo, { pixelate: n });
      expect(blocks.opaque).toBe(true);
      for (let by = 0; by < photo.height; by += n) {
        for (let bx = 0; bx < photo.width; bx += n) {
          const first = pixel(blocks, bx, by).join();
          for (let y = by; y < Math.min(photo.height, by + n); y++) {
            for (let x = bx; x < Math.min(photo.width, bx + n); x++) if (pixel(blocks, x, y).join() !== first) throw new Error(`${n}: block ${bx},${by} not constant`);
          }
        }
      }
    }
    const size = 16;
    const out = filter(photo, { pixelate: size });
    let red = 0;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) red += pixel(photo, x, y)[0];
    expect(Math.abs(pixel(out, 0, 0)[0] - red / size ** 2)).toBeLessThanOrEqual(0.5);
    expect(pixel(out, 450, 299)).not.toEqual(pixel(out, 447, 295)); // 451 = 28·16 + 3: a 3×12 block
  });

  it("weights colour by alpha", () => {
    const image = build(2, 2, (x) => (x === 0 ? [255, 0, 0, 0] : [0, 0, 200, 255]));
    expect(pixel(filter(image, { pixelate: 2 }), 0, 0)).toEqual([0, 0, 200, 128]);
  });
});

describe("colour effects at known pixels", () => {
  const swatches = build(5, 1, (x) => ([[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [200, 100, 50, 128], [255, 255, 255, 255]] as Px[])[x]!);

  it("grayscale is Rec. 709 luma", () => {
    const out = filter(swatches, { grayscale: true });
    expect([0, 1, 2, 3, 4].map((x) => pixel(out, x, 0))).toEqual([
      [54, 54, 54, 255], [182, 182, 182, 255], [18, 18, 18, 255], [118, 118, 118, 128], [255, 255, 255, 255],
    ]);
    expect(chromas(filter(photo, { grayscale: true })).every((c) => c === 0)).toBe(true);
  });

  it("sepia is the classic matrix", () => {
    const greys = build(3, 1, (x) => [[0, 0, 0, 255], [100, 100, 100, 255], [255, 255, 255, 255]][x] as Px);
    const out = filter(greys, { sepia: true });
    expect([0, 1, 2].map((x) => pixel(out, x, 0))).toEqual([[0, 0, 0, 255], [135, 120, 94, 255], [255, 255, 239, 255]]);
    expect(pixel(filter(swatches, { sepia: true }), 3, 0)).toEqual([165, 147, 114, 128]); // 164.95, 146.8, 114.35
  });

  it("negative inverts colour, keeps alpha, and twice is the identity", () => {
    expect(pixel(filter(swatches, { negative: true }), 3, 0)).toEqual([55, 155, 205, 128]);
    expect(filter(filter(photo, { negative: true }), { negative: true }).data).toEqual(photo.data);
    expect(meanLuma(filter(photo, { negative: true }))).toBeCloseTo(255 - meanLuma(photo), 6);
  });
});

describe("vignette", () => {
  const grey = build(300, 200, () => [200, 200, 200, 255]);

  it("keeps the centre, darkens toward the corners, more with the value", () => {
    for (const value of [25, 50, 100]) {
      const out = filter(grey, { vignette: value });
      expect(pixel(out, 150, 100)).toEqual([200, 200, 200, 255]);
      const corner = pixel(out, 0, 0)[0];
      const side = pixel(out, 0, 100)[0];
      expect(corner).toBeLessThan(side);
      expect(side).toBeLessThan(200);
      // At the corner pixel d ≈ 0.993: the factor is ≈ 1 − value/100.
      expect(Math.abs(corner - 200 * (1 - value / 100))).toBeLessThanOrEqual(2);
    }
    expect(meanLuma(filter(photo, { vignette: 80 }))).toBeLessThan(meanLuma(filter(photo, { vignette: 30 })));
  });
});

describe("combined and neutral", () => {
  it("runs blur, pixelate, grayscale, sepia, negative, vignette in that order", () => {
    const out = filter(photo, { blur: { mode: "gaussian", value: 2 }, pixelate: 8, grayscale: true, sepia: true, negative: true, vignette: 40 });
    const byHand = [gaussian(2), { pixelate: 8 }, { grayscale: true }, { sepia: true }, { negative: true }, { vignette: 40 }].reduce((image, step) => filter(image, step), photo);
    expect(out.data).toEqual(byHand.data);
  });

  it("changes nothing with neutral values", () => {
    expect(filter(photo, {}).data).toEqual(photo.data);
    expect(filter(photo, { blur: { mode: "box", value: 0.2 }, pixelate: 1, vignette: 0 }).data).toEqual(photo.data);
  });

  it("leaves its input alone and keeps alpha and the opaque flag", async () => {
    const copy = photo.data.slice();
    filter(photo, { grayscale: true, vignette: 50, blur: { mode: "box", value: 4 } });
    expect(photo.data).toEqual(copy);
    const logo = await decode(fixture("logo.png"), "png");
    const out = filter(logo, { grayscale: true, sepia: true, negative: true, vignette: 60 });
    expect(out.opaque).toBe(false);
    for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== logo.data[i]) throw new Error(`alpha changed at ${i}`);
  });
});

describe("parsing", () => {
  it("reads every parameter, with gaussian as the default blur mode", () => {
    expect(parseFilter({ blur: { value: "7.5" }, grayscale: "true", sepia: false, negative: 1, pixelate: "12", vignette: 30 }, undefined)).toEqual({
      blur: { mode: "gaussian", value: 7.5 }, grayscale: true, sepia: false, negative: true, pixelate: 12, vignette: 30,
    });
    expect(parseFilter(undefined, { blur: { mode: "BOX", value: 3 } })?.blur).toEqual({ mode: "box", value: 3 });
  });

  it("parses neutral sections to nothing", () => {
    expect(parseFilter({}, null)).toBeUndefined();
    expect(parseFilter({ blur: { mode: "gaussian", value: 0 }, grayscale: false, pixelate: 1, vignette: 0, sepia: null }, undefined)).toBeUndefined();
    expect(parseFilter(null, { negative: false })).toBeUndefined();
  });

  it("treats stylize as an alias and refuses both together", () => {
    const section = { sepia: true, blur: { mode: "box", value: 2 } };
    expect(parseFilter(undefined, section)).toEqual(parseFilter(section, undefined));
    expect(parseFilter({}, section)).toEqual(parseFilter(section, null));
    expect422(() => parseFilter({ grayscale: true }, { sepia: true }), /^Use either 'filter' or its alias 'stylize', not both/);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ["filter", { blur: 10 }, /^Filter 'blur' parameter must be an object such as/],
    ["filter", { blur: { mode: "motion", value: 3 } }, /^Filter blur 'mode' parameter must be one of 'gaussian', 'box'/],
    ["filter", { blur: { value: 101 } }, /^Filter blur 'value' parameter must be a number from 0 to 100/],
    ["filter", { blur: { mode: "box" } }, /^Filter blur 'value' parameter is required/],
    ["filter", { blur: { value: 3, radius: 2 } }, /^Filter blur has no 'radius' parameter/],
    ["filter", { grayscale: "yes" }, /^Filter 'grayscale' parameter must be a boolean/],
    ["filter", { pixelate: 0 }, /^Filter 'pixelate' parameter must be a positive integer of at most 100/],
    ["filter", { pixelate: 2.5 }, /^Filter 'pixelate' parameter must be a positive integer/],
    ["filter", { vignette: -1 }, /^Filter 'vignette' parameter must be a number from 0 to 100/],
    ["filter", { sharpen: true }, /^Filter has no 'sharpen' parameter; allowed: 'blur'/],
    ["filter", "blur", /'filter' must be an object/],
    ["stylize", { sepia: "no" }, /^Stylize 'sepia' parameter must be a boolean/],
    ["stylize", { blur: { value: -2 } }, /^Stylize blur 'value' parameter must be a number from 0 to 100/],
  ];
  for (const [key, section, message] of cases) {
    it(`${key}: ${JSON.stringify(section)}`, () => expect422(() => (key === "filter" ? parseFilter(section, undefined) : parseFilter(undefined, section)), message));
  }
});
