/**
 * The Lanczos3 resampler (src/image/resample.ts over wasm/dist/resample.wasm): sizes, exactness,
 * alpha handling, failures, quality against sharp (references from test/sharp-setup.ts) and timings.
 */
import { describe, expect, inject, it } from "vitest";
import { ApiError } from "../../src/errors";
import { createRaster, scanOpaque, type Raster } from "../../src/image/raster";
import { extractRegion } from "../../src/image/canvas";
import { preShrinkFactor, resize } from "../../src/image/resample";
import { syntheticPhoto } from "./images";
import { ssim } from "./metrics";

import "../shared/sharp-cases";

// ---------------------------------------------------------------------------------------------
// Helpers.

function solid(width: number, height: number, rgba: [number, number, number, number]): Raster {
  const image = createRaster(width, height, undefined, rgba[3] === 255);
  for (let i = 0; i < image.data.length; i += 4) image.data.set(rgba, i);
  return image;
}

function pixelsDiffering(image: Raster, rgba: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (rgba.some((v, c) => image.data[i + c] !== v)) count++;
  }
  return count;
}

/** A disc of colour `ink` (anti-aliased edge) on a fully transparent background of colour `paper`. */
function disc(size: number, ink: number, paper: number): Raster {
  const image = createRaster(size, size, undefined, false);
  const centre = size / 2;
  const radius = size * 0.375;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const coverage = Math.min(1, Math.max(0, radius - Math.hypot(x + 0.5 - centre, y + 0.5 - centre) + 0.5));
      const i = (y * size + x) * 4;
      const colour = coverage > 0 ? ink : paper;
      image.data.set([colour, colour, colour, Math.round(coverage * 255)], i);
    }
  }
  return image;
}

function fromBase64(b64: string): Uint8ClampedArray {
  return Uint8ClampedArray.from(atob(b64), (ch) => ch.charCodeAt(0));
}

interface DiffStats {
  max: number;
  mean: number;
  p99: number;
}

/** Absolute differences over the RGB channels. */
function diffStats(a: Raster, b: Raster): DiffStats {
  const histogram = new Array<number>(256).fill(0);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a.data[i]! - b.data[i]!);
    histogram[d]!++;
    sum += d;
  }
  const n = (a.data.length / 4) * 3;
  let seen = 0;
  const p99 = histogram.findIndex((count) => (seen += count) >= 0.99 * n);
  const max = histogram.findLastIndex((count) => count > 0);
  return { max, mean: sum / n, p99 };
}

/** What a viewer sees: the image composited on mid grey. */
function onGrey(image: Raster): Raster {
  const out = createRaster(image.width, image.height);
  for (let i = 0; i < image.data.length; i += 4) {
    const a = image.data[i + 3]! / 255;
    for (let c = 0; c < 3; c++) out.data[i + c] = image.data[i + c]! * a + 128 * (1 - a);
    out.data[i + 3] = 255;
  }
  return out;
}

/** The image without a border of `b` pixels. */
function interior(image: Raster, b: number): Raster {
  const width = image.width - 2 * b;
  const out = createRaster(width, image.height - 2 * b);
  for (let y = 0; y < out.height; y++) {
    const from = ((y + b) * image.width + b) * 4;
    out.data.set(image.data.subarray(from, from + width * 4), y * width * 4);
  }
  return out;
}

async function expect422(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).status).toBe(422);
  expect((err as ApiError).message).toMatch(pattern);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

// ---------------------------------------------------------------------------------------------

describe("resize: sizes", () => {
  const cases: [number, number, number, number][] = [
    [300, 200, 97, 61], // down
    [97, 61, 300, 200], // up
    [300, 200, 600, 50], // up in x, down in y
    [300, 200, 31, 400], // down in x, up in y
    [1, 1, 1, 7],
    [1, 1, 5, 3],
    [7, 5, 1, 1],
    [10000, 10, 100, 1],
    [10, 10000, 1, 100],
    [2, 3, 65535, 1],
  ];
  for (const [sw, sh, dw, dh] of cases) {
    it(`${sw}×${sh} → ${dw}×${dh}`, async () => {
      const out = await resize(syntheticPhoto(sw, sh), dw, dh);
      expect([out.width, out.height, out.data.length]).toEqual([dw, dh, dw * dh * 4]);
      expect(out.opaque).toBe(true);
      expect(scanOpaque(out.data)).toBe(true);
    });
  }

  it("returns the same raster when the size does not change", async () => {
    const image = syntheticPhoto(40, 30);
    expect(await resize(image, 40, 30)).toBe(image);
  });
});

describe("resize: exactness", () => {
  const targets: [number, number][] = [[97, 61], [1000, 13], [1, 1], [450, 300], [33, 200], [12, 8]];
  for (const rgba of [[37, 150, 222, 255], [200, 100, 50, 128], [255, 255, 255, 1], [0, 0, 0, 0]] as [number, number, number, number][]) {
    it(`a constant ${rgba.join(",")} image stays exactly constant`, async () => {
      const image = solid(300, 200, rgba);
      for (const [w, h] of targets) {
        const out = await resize(image, w, h);
        // Fully transparent: colour is not defined, only alpha is.
        const expected = rgba[3] === 0 ? [0, 0, 0, 0] : rgba;
        expect(pixelsDiffering(out, expected), `${w}×${h}`).toBe(0);
        expect(out.opaque).toBe(rgba[3] === 255);
      }
    });
  }

  it("a box pre-shrink alone is the exact rounded mean of each block", async () => {
    // 8×6 → 4×3 with 2×2 boxes leaves the Lanczos pass an identity.
    const image = syntheticPhoto(8, 6, 7);
    const out = await resize(image, 4, 3, { preShrink: { x: 2, y: 2 } });
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 4; c++) {
          let sum = 0;
          for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) sum += image.data[((2 * y + j) * 8 + 2 * x + i) * 4 + c]!;
          expect(out.data[(y * 4 + x) * 4 + c], `(${x},${y}) channel ${c}`).toBe(Math.floor((sum + 2) / 4));
        }
      }
    }
  });

  it("pre-shrinks by floor(ratio / 2) per axis", () => {
    expect([3840 / 1200, 2400 / 400, 512 / 51, 427 / 142].map((r) => preShrinkFactor(r * 100, 100))).toEqual([1, 3, 5, 1]);
    expect(preShrinkFactor(100, 300)).toBe(1);
    expect(preShrinkFactor(65535, 1)).toBe(255);
  });
});

describe("resize: premultiplied alpha", () => {
  it("leaves no dark fringe around a white disc on transparent black", async () => {
    const out = await resize(disc(400, 255, 0), 97, 97);
    expect(out.opaque).toBe(false);
    let edge = 0;
    for (let i = 0; i < out.data.length; i += 4) {
      const a = out.data[i + 3]!;
      if (a === 0) continue;
      if (a < 255) edge++;
      expect(Math.min(out.data[i]!, out.data[i + 1]!, out.data[i + 2]!), `pixel ${i / 4}, alpha ${a}`).toBeGreaterThanOrEqual(250);
    }
    expect(edge).toBeGreaterThan(100); // there is an anti-aliased edge to check
  });

  it("leaves no light fringe around a black disc on transparent white", async () => {
    const out = await resize(disc(400, 0, 255), 97, 97);
    for (let i = 0; i < out.data.length; i += 4) {
      if (out.data[i + 3] === 0) continue;
      expect(Math.max(out.data[i]!, out.data[i + 1]!, out.data[i + 2]!), `pixel ${i / 4}`).toBeLessThanOrEqual(5);
    }
  });

  it("keeps the edge through a box pre-shrink too (400 → 40: 5×5 boxes)", async () => {
    const out = await resize(disc(400, 255, 0), 40, 40);
    for (let i = 0; i < out.data.length; i += 4) {
      if (out.data[i + 3] !== 0) expect(out.data[i], `pixel ${i / 4}`).toBeGreaterThanOrEqual(250);
    }
  });
});

describe("resize: a region of the source", () => {
  it("gives exactly what resizing a cropped copy gives, without making the copy", async () => {
    const photo = syntheticPhoto(640, 480, 9);
    const region = { x: 101, y: 37, width: 400, height: 300 };
    const direct = await resize(photo, 133, 100, { region });
    const copied = await resize(extractRegion(photo, region), 133, 100);
    expect(direct.data).toEqual(copied.data);
    expect((await resize(photo, 400, 300, { region })).data).toEqual(extractRegion(photo, region).data);
  });

  it("refuses a region outside the source", async () => {
    const photo = syntheticPhoto(64, 48, 9);
    await expect(resize(photo, 10, 10, { region: { x: 60, y: 0, width: 10, height: 10 } })).rejects.toMatchObject({ status: 422, message: /not inside/ });
  });
});

describe("resize: failures", () => {
  const image = syntheticPhoto(20, 10);
  for (const [w, h] of [[0, 10], [10, -1], [65536, 10], [10, 1.5], [Number.NaN, 10]]) {
    it(`refuses ${w}×${h} with 422`, async () => {
      await expect422(resize(image, w!, h!), /^Unable to resize: (width|height) must be an integer from 1 to 65535/);
    });
  }

  it("refuses a raster whose data does not match its size", async () => {
    await expect422(resize({ ...image, width: 21 }, 5, 5), /the source has 800 bytes for 21×10 pixels/);
  });

  it("turns a trap (memory limit reached inside the module) into 422, and the next call works", async () => {
    const big = syntheticPhoto(1000, 1000);
    // The module's initial memory (128 KiB) is already past a 64 KiB limit: its first allocation traps.
    await expect422(resize(big, 100, 100, { memoryLimit: 1 << 16 }), /^Unable to resize: needs more than 64 KiB of memory$/);
    const out = await resize(big, 100, 100);
    expect([out.width, out.height]).toEqual([100, 100]);
  });

  it("refuses an output larger than the memory limit before instantiating", async () => {
    await expect422(resize(image, 65535, 65535), /the 65535×65535 output needs more than 256 MiB/);
  });
});

describe("resize: quality against sharp (lanczos3, same raw input)", () => {
  for (const source of inject("sharpResizes")) {
    for (const target of source.targets) {
      it(`${source.name} ${source.width}×${source.height} → ${target.width}×${target.height}`, async () => {
        const input = createRaster(source.width, source.height, fromBase64(source.source), source.opaque);
        const ours = await resize(input, target.width, target.height);
        const theirs = createRaster(target.width, target.height, fromBase64(target.resized), source.opaque);
        const seen = source.opaque ? [ours, theirs] : [onGrey(ours), onGrey(theirs)];
        const score = ssim(seen[0]!, seen[1]!);
        const stats = diffStats(seen[0]!, seen[1]!);
        const label = `${source.name} → ${target.width}×${target.height}`;
        console.log(`${label}: SSIM ${score.toFixed(5)}, |diff| max ${stats.max} p99 ${stats.p99} mean ${stats.mean.toFixed(3)}`);
        if (target.centred === undefined) {
          expect(score).toBeGreaterThanOrEqual(0.99);
          expect(stats.mean).toBeLessThan(1);
          return;
        }
        // Upscale: sharp uses bicubic on a grid shifted by half an output pixel (see
        // test/sharp-setup.ts), so only a loose bound holds against its resize; against its
        // bicubic on our centred grid the match is close.
        expect(score).toBeGreaterThanOrEqual(0.97);
        const centred = createRaster(target.width, target.height, fromBase64(target.centred), source.opaque);
        const inner = ssim(interior(ours, 8), interior(centred, 8));
        console.log(`${label}: SSIM vs sharp bicubic on the centred grid (interior) ${inner.toFixed(5)}`);
        expect(inner).toBeGreaterThanOrEqual(0.99);
      });
    }
  }
});

describe("resize: timings (workerd, Date.now)", () => {
  /** Median of 5 runs (the first call in an isolate also pays V8's tier-up of the module). */
  async function time(image: Raster, w: number, h: number, preShrink?: { x: number; y: number }): Promise<number> {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = Date.now();
      await resize(image, w, h, preShrink ? { preShrink } : {});
      runs.push(Date.now() - start);
    }
    return median(runs);
  }

  it("reports resize times for large photos", async () => {
    const wide = syntheticPhoto(3840, 2400);
    const square = syntheticPhoto(2400, 2400);
    const start0 = Date.now();
    await resize(wide, 1200, 750);
    const rows = [
      ["3840×2400 → 1200×750, first call in the isolate", Date.now() - start0],
      ["3840×2400 → 1200×750, rule (k=1)", await time(wide, 1200, 750)],
      ["3840×2400 → 1200×750, k=2", await time(wide, 1200, 750, { x: 2, y: 2 })],
      ["2400×2400 → 400×400, rule (k=3)", await time(square, 400, 400)],
      ["2400×2400 → 400×400, no pre-shrink", await time(square, 400, 400, { x: 1, y: 1 })],
      ["3840×2400 → 1200×750 with alpha (premultiplied), rule (k=1)", await time({ ...wide, opaque: false }, 1200, 750)],
      ["2400×2400 → 400×400 with alpha, rule (k=3)", await time({ ...square, opaque: false }, 400, 400)],
    ];
    const tiny = syntheticPhoto(4, 4);
    const start = Date.now();
    for (let i = 0; i < 200; i++) await resize(tiny, 2, 2);
    rows.push(["4×4 → 2×2 (instantiate + call), per call", (Date.now() - start) / 200]);
    for (const [label, ms] of rows) console.log(`resize ${label}: ${ms} ms`);
    expect(rows.every(([, ms]) => Number(ms) >= 0)).toBe(true);
  });
});
