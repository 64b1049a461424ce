/**
 * The SSIMULACRA2 scorer (src/image/score/ssimulacra2.ts over wasm/dist/ssimulacra2.wasm), in
 * workerd: identity, agreement with the independent calc-s2-rust package (scores computed in Node
 * by test/s2-setup.ts on real photos), monotonicity in JPEG quality, awkward inputs, memory and
 * speed.
 */
import { describe, expect, inject, it } from "vitest";
import { decode as decodePng } from "../../src/image/codecs/png";
import { createRaster, type Raster } from "../../src/image/raster";
import { resize } from "../../src/image/resample";
import { ssimulacra2, ssimulacra2MemoryBytes, ssimulacra2Report } from "../../src/image/score/ssimulacra2";
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
    const cases: [string, Raster, Raster][] = [
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
    await expect(ssimulacra2(big, big, { memoryLimit: 1 << 20 })).rejects.toThrow(/out of memory/);
    expect(await ssimulacra2(big, big)).toBeCloseTo(100, 6);
  });
});

describe("ssimulacra2: memory and speed", () => {
  it("stays within the predicted memory, about 42 bytes per pixel", async () => {
    const { reference, distorted } = photoCases[0]!;
    const size = { width: 1000, height: 1000 };
    const a = await resize(reference, size.width, size.height);
    const b = await resize(distorted[2]!.image, size.width, size.height);
    const report = await ssimulacra2Report(a, b);
    const predicted = ssimulacra2MemoryBytes(size.width, size.height);
    console.log(`1000×1000: peak linear memory ${report.memoryBytes} bytes (${(report.memoryBytes / 1e6).toFixed(2)} bytes/px), predicted ${predicted}`);
    expect(report.memoryBytes).toBeLessThanOrEqual(predicted);
    expect(report.memoryBytes).toBeLessThanOrEqual(48 * 1e6 + 256 * 1024);
  });

  it("times a 1200×800 photo pair", async () => {
    const { reference, distorted } = photoCases[0]!;
    const a = await resize(reference, 1200, 800);
    const b = await resize(distorted[3]!.image, 1200, 800);
    await ssimulacra2(a, b); // warm-up: lets V8 tier the module up
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await ssimulacra2(a, b);
      times.push(performance.now() - start);
    }
    times.sort((x, y) => x - y);
    const median = times[1]!;
    console.log(`1200×800 pair: ${times.map((t) => t.toFixed(0)).join(", ")} ms; median ${(median / 0.96).toFixed(0)} ms/MP`);
    expect(median).toBeGreaterThanOrEqual(0);
  });
});
