/**
 * The SSIMULACRA2 scorer (src/image/score/ssimulacra2.ts over wasm/dist/ssimulacra2.wasm), in
 * workerd: identity, agreement with the independent calc-s2-rust package (scores computed in Node
 * by test/s2-setup.ts on real photos), the streaming 2.1 path against the exact one, the scorer for
 * many candidates, monotonicity in JPEG quality, awkward inputs, memory and speed.
 */
import { describe, expect, inject, it } from "vitest";
import { decode as decodePng } from "../../src/image/codecs/png";
import { createRaster, type Raster } from "../../src/image/raster";
import { resize } from "../../src/image/resample";
import { createScorer, ssimulacra2, ssimulacra2MemoryBytes, ssimulacra2Report } from "../../src/image/score/ssimulacra2";
import { noiseBytes, syntheticPhoto } from "./images";

import "../shared/s2-cases";

const photos = inject("s2Photos");

async function fromPng(b64: string): Promise<Raster> {
  return decodePng(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
}

function solid(width: number, height: number, rgba: [number, number, number, number]): Raster {
  const image = createRaster(width, height, undefined, rgba[3] === 255);
  for (let i = 0; i < image.data.length; i += 4) image.data.set(rgba, i);
  return image;
}

function noise(width: number, height: number, seed: number, alpha?: number): Raster {
  const image = createRaster(width, height, Uint8ClampedArray.from(noiseBytes(width * height * 4, seed)), alpha === undefined);
  for (let i = 3; i < image.data.length; i += 4) image.data[i] = alpha ?? 255;
  return image;
}

/** A score is a number no greater than 100 (it has no lower bound). */
function expectScore(value: number): void {
  expect(Number.isNaN(value)).toBe(false);
  expect(value).toBeLessThanOrEqual(100);
}

const photoCases = await Promise.all(
  photos.map(async (photo) => ({
    photo,
    reference: await fromPng(photo.png),
    distorted: await Promise.all(photo.pairs.map(async (pair) => ({ pair, image: await fromPng(pair.png) }))),
  })),
);

describe("ssimulacra2: identity", () => {
  it("scores identical images 100 in both versions", async () => {
    const photo = photoCases[0]!.reference;
    for (const version of ["2.1", "2.0"] as const) {
      expect(await ssimulacra2(photo, photo, { version })).toBeCloseTo(100, 6);
      const synthetic = syntheticPhoto(200, 150);
      expect(await ssimulacra2(synthetic, synthetic, { version })).toBeCloseTo(100, 6);
    }
  });
});

describe("ssimulacra2: agreement with calc-s2-rust (SSIMULACRA 2.0, computed in Node)", () => {
  it("is within 1.0 of the reference on every photo pair", async () => {
    const rows: string[] = [];
    let worst = 0;
    for (const { photo, reference, distorted } of photoCases) {
      for (const { pair, image } of distorted) {
        const ours20 = await ssimulacra2(reference, image, { version: "2.0" });
        const ours21 = await ssimulacra2(reference, image);
        const diff = ours20 - pair.reference;
        worst = Math.max(worst, Math.abs(diff));
        rows.push(`${photo.name.padEnd(16)} ${pair.distortion.padEnd(12)} ${pair.reference.toFixed(4).padStart(9)} ${ours20.toFixed(4).padStart(9)} ${diff.toExponential(1).padStart(9)} ${ours21.toFixed(3).padStart(9)}`);
        expect(Math.abs(diff), `${photo.name} ${pair.distortion}`).toBeLessThanOrEqual(1.0);
      }
    }
    const header = `${"photo".padEnd(16)} ${"distortion".padEnd(12)} ${"calc-s2".padStart(9)} ${"ours 2.0".padStart(9)} ${"diff".padStart(9)} ${"ours 2.1".padStart(9)}`;
    console.log(`${header}\n${rows.join("\n")}\nmax |diff| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(0.01);
  });
});

/** Awkward pairs: flat, noise, alpha, tiny and thin images. */
function awkwardCases(): [string, Raster, Raster][] {
  return [
    ["flat colour", solid(64, 48, [200, 30, 90, 255]), solid(64, 48, [190, 40, 90, 255])],
    ["pure noise", noise(96, 80, 1), noise(96, 80, 2)],
    ["noise vs flat", noise(40, 40, 3), solid(40, 40, [128, 128, 128, 255])],
    ["1×1", solid(1, 1, [10, 20, 30, 255]), solid(1, 1, [200, 20, 30, 255])],
    ["7×300", noise(7, 300, 4), noise(7, 300, 5)],
    ["3000×8", noise(3000, 8, 6), noise(3000, 8, 7)],
    ["fully transparent", solid(32, 32, [255, 0, 0, 0]), solid(32, 32, [0, 0, 255, 0])],
    ["semi-transparent", noise(50, 40, 8, 128), noise(50, 40, 9, 100)],
    ["transparent vs opaque", solid(20, 20, [0, 0, 0, 0]), noise(20, 20, 10)],
  ];
}

/** A copy of `image` whose alpha falls from 255 (top left) to about 60 (bottom right). */
function withAlpha(image: Raster): Raster {
  const out = createRaster(image.width, image.height, Uint8ClampedArray.from(image.data), false);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) out.data[(y * image.width + x) * 4 + 3] = 255 - Math.round((195 * (x + y)) / (image.width + image.height));
  }
  return out;
}

describe("ssimulacra2: the streaming 2.1 path against the exact one", () => {
  it("agrees within 0.02 on every photo pair, with alpha, and on awkward inputs", async () => {
    const pairs: [string, Raster, Raster][] = [];
    for (const { photo, reference, distorted } of photoCases) {
      for (const { pair, image } of distorted) pairs.push([`${photo.name} ${pair.distortion}`, reference, image]);
    }
    const { photo, reference, distorted } = photoCases[3]!;
    for (const { pair, image } of distorted.slice(0, 4)) pairs.push([`${photo.name} ${pair.distortion} with alpha`, withAlpha(reference), withAlpha(image)]);
    pairs.push(...awkwardCases());
    let worst = 0;
    let worstName = "";
    for (const [name, a, b] of pairs) {
      const fast = await ssimulacra2(a, b, { exact: false });
      const exact = await ssimulacra2(a, b, { exact: true });
      expect([fast, exact], name).toContain(await ssimulacra2(a, b)); // the default takes one of the two
      expect(Number.isFinite(fast), name).toBe(true);
      expect(Math.abs(fast - exact), name).toBeLessThanOrEqual(0.02);
      if (Math.abs(fast - exact) >= worst) [worst, worstName] = [Math.abs(fast - exact), name];
    }
    console.log(`streaming vs exact 2.1 over ${pairs.length} pairs: max |diff| = ${worst.toExponential(2)} (${worstName})`);
  });
});

describe("ssimulacra2: createScorer", () => {
  it("gives ssimulacra2()'s score for every candidate, in any order", async () => {
    for (const { photo, reference, distorted } of photoCases.slice(0, 3)) {
      const scorer = createScorer(reference);
      const candidates = [...distorted.map(({ image }) => image), reference, distorted[0]!.image];
      for (const image of candidates) expect(await scorer.score(image), photo.name).toBe(await ssimulacra2(reference, image));
      scorer.dispose();
    }
  });

  it("handles alpha on either side and awkward sizes like ssimulacra2()", async () => {
    const { reference, distorted } = photoCases[1]!;
    const cases: [string, Raster, Raster[]][] = [
      ["opaque reference, candidates with alpha", reference, [withAlpha(distorted[2]!.image), distorted[2]!.image, withAlpha(reference)]],
      ["reference with alpha", withAlpha(reference), [withAlpha(distorted[4]!.image), distorted[4]!.image, withAlpha(reference)]],
      ...awkwardCases().map(([name, a, b]): [string, Raster, Raster[]] => [name, a, [b, a]]),
    ];
    for (const [name, ref, candidates] of cases) {
      const scorer = createScorer(ref);
      for (const image of candidates) {
        const report = await scorer.report(image);
        const expected = await ssimulacra2Report(ref, image);
        expect(report.score, name).toBe(expected.score);
        expect(report.passes, name).toEqual(expected.passes);
      }
      scorer.dispose();
    }
  });

  it("throws after dispose and on a size mismatch; a new scorer works; memory stays within the bound", async () => {
    const { reference, distorted } = photoCases[0]!;
    const scorer = createScorer(reference);
    const first = await scorer.score(distorted[1]!.image);
    await expect(scorer.score(solid(10, 10, [0, 0, 0, 255]))).rejects.toThrow(/sizes differ/);
    expect(await scorer.score(distorted[1]!.image)).toBe(first);
    const report = await scorer.report(distorted[2]!.image);
    expect(report.memoryBytes).toBeLessThanOrEqual(ssimulacra2MemoryBytes(reference.width, reference.height));
    scorer.dispose();
    await expect(scorer.score(distorted[1]!.image)).rejects.toThrow(/disposed/);
    const again = createScorer(reference);
    expect(await again.score(distorted[1]!.image)).toBe(first);
    again.dispose();
    const small = createScorer(syntheticPhoto(300, 300), { memoryLimit: 1 << 19 });
    await expect(small.score(syntheticPhoto(300, 300))).rejects.toThrow(/out of memory/);
  });
});

describe("ssimulacra2: behaviour", () => {
  it("falls as JPEG quality falls, on every photo", async () => {
    for (const { photo, reference, distorted } of photoCases) {
      const ladder = distorted.filter(({ pair }) => pair.distortion.startsWith("jpeg"));
      const scores: number[] = [];
      for (const { image } of ladder) scores.push(await ssimulacra2(reference, image));
      for (let i = 1; i < scores.length; i++) expect(scores[i]!, `${photo.name}: ${scores.join(", ")}`).toBeLessThan(scores[i - 1]!);
    }
  });

  it("gives finite scores in both argument orders", async () => {
    const { reference, distorted } = photoCases[1]!;
    for (const { image } of distorted.slice(0, 3)) {
      expect(Number.isFinite(await ssimulacra2(reference, image))).toBe(true);
      expect(Number.isFinite(await ssimulacra2(image, reference))).toBe(true);
    }
  });

  it("handles awkward inputs without throwing, and keeps working afterwards", async () => {
    const cases = awkwardCases();
    const check = photoCases[2]!.reference;
    for (const [name, a, b] of cases) {
      const score = await ssimulacra2(a, b);
      expectScore(score);
      expectScore(await ssimulacra2(a, b, { version: "2.0" }));
      expect(await ssimulacra2(a, a), name).toBeCloseTo(100, 6);
      expect(await ssimulacra2(check, check), `after ${name}`).toBeCloseTo(100, 6);
    }
    // Fully transparent images look the same whatever their colour.
    expect(await ssimulacra2(cases[6]![1], cases[6]![2])).toBeCloseTo(100, 6);
  });

  it("composites alpha over two greys and reports the worse score", async () => {
    const a = noise(64, 64, 11, 200);
    const b = noise(64, 64, 12, 200);
    const report = await ssimulacra2Report(a, b);
    expect(report.passes).toHaveLength(2);
    expect(report.score).toBe(Math.min(...report.passes));
    expect((await ssimulacra2Report(noise(64, 64, 11), noise(64, 64, 12))).passes).toHaveLength(1);
  });

  it("throws on mismatched sizes and when the memory cap is too small", async () => {
    await expect(ssimulacra2(solid(10, 10, [0, 0, 0, 255]), solid(10, 11, [0, 0, 0, 255]))).rejects.toThrow(/sizes differ/);
    const big = syntheticPhoto(300, 300);
    await expect(ssimulacra2(big, big, { memoryLimit: 1 << 19 })).rejects.toThrow(/out of memory/);
    expect(await ssimulacra2(big, big)).toBeCloseTo(100, 6);
  });
});

describe("ssimulacra2: memory and speed", () => {
  it("stays within the predicted memory: about 2.3 KB per column (2.1), 42 bytes per pixel on the exact path", async () => {
    const { reference, distorted } = photoCases[0]!;
    const size = { width: 1000, height: 1000 };
    const a = await resize(reference, size.width, size.height);
    const b = await resize(distorted[2]!.image, size.width, size.height);
    for (const options of [{}, { exact: true }, { version: "2.0" as const }]) {
      const report = await ssimulacra2Report(a, b, options);
      const predicted = ssimulacra2MemoryBytes(size.width, size.height, options);
      console.log(`1000×1000 ${JSON.stringify(options)}: peak linear memory ${report.memoryBytes} bytes (${(report.memoryBytes / 1e6).toFixed(2)} bytes/px), predicted ${predicted}`);
      expect(report.memoryBytes).toBeLessThanOrEqual(predicted);
      expect(report.memoryBytes).toBeLessThanOrEqual((Object.keys(options).length === 0 ? 3 : 48) * 1e6 + 256 * 1024);
    }
    // Wide, short images take the exact path, which needs less memory there; tall ones stream.
    expect(ssimulacra2MemoryBytes(65535, 8)).toBe(ssimulacra2MemoryBytes(65535, 8, { exact: true }));
    expect(ssimulacra2MemoryBytes(65535, 8, { exact: false })).toBeGreaterThan(ssimulacra2MemoryBytes(65535, 8));
    expect(ssimulacra2MemoryBytes(4000, 3000)).toBe(ssimulacra2MemoryBytes(4000, 3000, { exact: false }));
    expect(ssimulacra2MemoryBytes(4000, 3000)).toBeLessThan(12 * 1024 * 1024);
    // A scorer for the optimiser's largest proxy, 768 × 768: one instance, under 2 MiB.
    const proxy = await resize(reference, 768, 768);
    const scorer = createScorer(proxy);
    const report = await scorer.report(await resize(distorted[2]!.image, 768, 768));
    scorer.dispose();
    console.log(`768×768 scorer: linear memory ${report.memoryBytes} bytes`);
    expect(report.memoryBytes).toBeLessThanOrEqual(ssimulacra2MemoryBytes(768, 768));
    expect(report.memoryBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});
