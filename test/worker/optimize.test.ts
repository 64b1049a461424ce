// Perceptual optimisation (issue 5): presets meet their SSIMULACRA2 targets in every format,
// lossless modes change no pixel, the output never grows, `best` is the smallest candidate, and an
// explicit quality skips the search. Scores are checked independently: decode the output and score
// it at full size against the pre-encode pixels.
import { describe, expect, it } from "vitest";
import { encodeAv1Avif } from "../../src/image/codecs/av1";
import * as jpeg from "../../src/image/codecs/jpeg";
import { decodeScaled } from "../../src/image/codecs/jpeg-turbo";
import * as webp from "../../src/image/codecs/webp";
import { encodeOutput, type OutputRequest } from "../../src/image/optimize";
import { encodeAtTarget } from "../../src/image/optimize/lossy";
import { lossyEncoder } from "../../src/image/optimize/lossy-formats";
import { makeProxy } from "../../src/image/optimize/proxy";
import { TARGET_SCORE } from "../../src/image/optimize/targets";
import { probe } from "../../src/image/probe";
import { createRaster, type Raster } from "../../src/image/raster";
import { ssimulacra2 } from "../../src/image/score/ssimulacra2";
import { flatten } from "../../src/image/steps/flatten";
import { decode } from "../../src/image/transcode";
import { WHITE } from "../../src/request/color";
import type { EncodableFormat } from "../../src/request/output";
import { fixture } from "./fixtures";

async function decoded(name: string): Promise<Raster> {
  const bytes = fixture(name);
  return decode(bytes, probe(bytes).format);
}

async function decodeOutput(bytes: Uint8Array): Promise<Raster> {
  return decode(bytes, probe(bytes).format);
}

function request(format: OutputRequest["format"], extra: Partial<OutputRequest> = {}): OutputRequest {
  return { format, compression: "medium", progressive: true, avifAllowed: true, ...extra };
}

function identical(a: Raster, b: Raster): boolean {
  return a.width === b.width && a.height === b.height && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
}

describe("presets meet their targets", () => {
  const cases: [string, EncodableFormat[]][] = [
    ["chelsea.jpg", ["jpeg", "webp", "avif", "png"]],
    ["coffee.png", ["jpeg", "webp", "png"]],
    ["camera-gray.jpg", ["jpeg", "webp"]],
    ["logo.png", ["webp", "png", "avif"]],
  ];
  for (const [file, formats] of cases) {
    for (const format of formats) {
      it(`${file} → ${format}: low, medium and high each score at least their target at full size`, async () => {
        let image = await decoded(file);
        if (format === "jpeg") image = flatten(image, WHITE);
        let previousBytes = Infinity;
        for (const preset of ["low", "medium", "high"] as const) {
          const out = await encodeOutput(image, request(format, { compression: preset }));
          expect(out.format).toBe(format);
          const score = await ssimulacra2(image, await decodeOutput(out.bytes));
          expect(score).toBeGreaterThanOrEqual(TARGET_SCORE[preset] - 1);
          if (out.score !== null) expect(Math.abs(out.score - score)).toBeLessThan(0.01); // small images are their own proxy
          expect(out.bytes.length).toBeLessThanOrEqual(previousBytes); // a lower target never costs more bytes
          previousBytes = out.bytes.length;
          if (format !== "png") expect(out.encodes).toBeLessThanOrEqual(6);
        }
      });
    }
  }

  it("JPEG falls back to 4:4:4 chroma when 4:2:0 cannot reach the target at any quality", async () => {
    // One-pixel red/blue columns: 4:2:0 averages them to purple whatever the quality.
    const image = createRaster(96, 64);
    for (let i = 0; i < 96 * 64; i++) image.data.set(i % 2 === 0 ? [220, 20, 30, 255] : [20, 40, 220, 255], i * 4);
    const out = await encodeOutput(image, request("jpeg"));
    expect(probe(out.bytes).sampling).toBe("4:4:4");
    expect(await ssimulacra2(image, await decodeOutput(out.bytes))).toBeGreaterThanOrEqual(80);
  });

  it("a photo whose 4:2:0 chroma caps the score: JPEG goes 4:4:4 when that is smaller, AVIF is 4:4:4 already", async () => {
    // A photo sprinkled with one-pixel saturated colour dots (like a star field): 4:2:0 smears each
    // dot's colour over 2 × 2 pixels, which no quality can undo; full-resolution chroma keeps them.
    const image = await decoded("chelsea.jpg");
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const colours = [[255, 40, 40], [40, 80, 255], [255, 220, 0], [0, 230, 120]];
    for (let i = 0; i < (image.width * image.height) / 400; i++) {
      const x = Math.floor(random() * image.width);
      const y = Math.floor(random() * image.height);
      image.data.set(colours[i % colours.length]!, (y * image.width + x) * 4);
    }
    const out = await encodeOutput(image, request("jpeg"));
    expect(await ssimulacra2(image, await decodeOutput(out.bytes))).toBeGreaterThanOrEqual(80);
    const encoder = lossyEncoder("jpeg", 80, true);
    const subsampled = await encoder.encode(image, 100);
    const subsampledScore = await ssimulacra2(image, await encoder.decode(subsampled));
    expect(subsampledScore).toBeLessThan(80); // 4:2:0 cannot get there at any quality
    expect(out.bytes.length).toBeLessThan(0.8 * subsampled.length);
    expect(probe(out.bytes).sampling).toBe("4:4:4");
    // AVIF of an opaque image is 4:4:4 from the start (tune=iq): it meets the target in one search.
    const avifOut = await encodeOutput(image, request("avif"));
    expect(await ssimulacra2(image, await decodeOutput(avifOut.bytes))).toBeGreaterThanOrEqual(80);
    expect(avifOut.encodes).toBeLessThanOrEqual(5);
  });

  it("WebP (4:2:0 only) reaches the target on such a photo with sharp YUV instead of going lossless", async () => {
    const image = await decoded("chelsea.jpg");
    let seed = 54321;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const colours = [[255, 40, 40], [40, 80, 255], [255, 220, 0], [0, 230, 120]];
    for (let i = 0; i < (image.width * image.height) / 400; i++) {
      image.data.set(colours[i % colours.length]!, (Math.floor(random() * image.height) * image.width + Math.floor(random() * image.width)) * 4);
    }
    const plain = lossyEncoder("webp", 80, true);
    expect(await ssimulacra2(image, await plain.decode(await plain.encode(image, 100)))).toBeLessThan(80);
    const out = await encodeOutput(image, request("webp"));
    expect(await ssimulacra2(image, await decodeOutput(out.bytes))).toBeGreaterThanOrEqual(80);
    expect(new TextDecoder().decode(out.bytes.subarray(12, 16))).toBe("VP8 "); // lossy, not VP8L
    expect(out.quality).not.toBeNull();
  });

  it("an ordinary photo keeps 4:2:0 chroma at medium", async () => {
    const out = await encodeOutput(await decoded("chelsea.jpg"), request("jpeg"));
    expect(probe(out.bytes).sampling).toBe("4:2:0");
    expect(out.encodes).toBeLessThanOrEqual(4);
  });

  it("the search lands within a couple of quality steps of the smallest passing JPEG quality", async () => {
    const image = await decoded("chelsea.jpg");
    const encoder = lossyEncoder("jpeg", 80, true);
    const found = await encodeAtTarget(image, encoder, 80);
    const below = await encoder.encode(image, found.quality! - 2);
    expect(await ssimulacra2(image, await encoder.decode(below))).toBeLessThan(80.5);
  });

  it("a large image is searched on its proxy and still meets the target at full size", async () => {
    // 1536 × 900 of real photo tiles: larger than the proxy.
    const tiles = [await decoded("chelsea.jpg"), await decoded("astronaut.jpg"), await decoded("coffee.png")];
    const image = createRaster(1536, 900);
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const tile = tiles[(Math.floor(x / 512) + Math.floor(y / 300)) % tiles.length]!;
        const sx = x % Math.min(512, tile.width);
        const sy = y % Math.min(300, tile.height);
        image.data.set(tile.data.subarray((sy * tile.width + sx) * 4, (sy * tile.width + sx) * 4 + 4), (y * image.width + x) * 4);
      }
    }
    expect(makeProxy(image).raster).not.toBe(image);
    for (const format of ["jpeg", "webp"] as const) {
      const out = await encodeOutput(image, request(format));
      const full = await ssimulacra2(image, await decodeOutput(out.bytes));
      expect(full).toBeGreaterThanOrEqual(79);
      expect(Math.abs(full - out.score!)).toBeLessThan(3);
    }
  });
});

describe("lossless", () => {
  it.each(["coffee.png", "logo.png", "palette-color.png", "coffee-16bit.png"])("PNG of %s decodes to the same pixels", async (file) => {
    const image = await decoded(file);
    const out = await encodeOutput(image, request("png", { compression: "lossless" }));
    expect(out.score).toBeNull();
    expect(identical(await decodeOutput(out.bytes), image)).toBe(true);
  });

  it.each(["coffee.png", "logo.png"])("WebP and AVIF of %s decode to the same pixels", async (file) => {
    const image = await decoded(file);
    for (const format of ["webp", "avif"] as const) {
      const out = await encodeOutput(image, request(format, { compression: "lossless" }));
      expect(out.score).toBeNull();
      expect(identical(await decodeOutput(out.bytes), image)).toBe(true);
    }
  });

  it("JPEG: an untouched JPEG is transcoded (smaller, same decoded pixels), metadata dropped", async () => {
    const source = await jpeg.encode(await decoded("astronaut.jpg"), { quality: 90, progressive: false });
    const pixels = await decodeScaled(source, 1);
    const out = await encodeOutput(pixels, request("jpeg", { compression: "lossless", untouched: { bytes: source, format: "jpeg" } }));
    expect(out.bytes.length).toBeLessThanOrEqual(source.length);
    expect(identical(await decodeScaled(out.bytes, 1), pixels)).toBe(true);
    expect(probe(out.bytes).interlaced).toBe(true);
  });

  it("JPEG from changed pixels is re-encoded at quality 100 with full chroma", async () => {
    const image = flatten(await decoded("logo.png"), WHITE);
    const out = await encodeOutput(image, request("jpeg", { compression: "lossless" }));
    expect(out.quality).toBe(100);
    expect(probe(out.bytes).sampling).toBe("4:4:4");
    expect(await ssimulacra2(image, await decodeOutput(out.bytes))).toBeGreaterThan(90);
  });
});

describe("never grow", () => {
  it("returns the source bytes when its re-encode in the same format would be larger", async () => {
    const source = await jpeg.encode(await decoded("chelsea.jpg"), { quality: 30, progressive: true });
    const pixels = await decodeScaled(source, 1);
    const out = await encodeOutput(pixels, request("jpeg", { compression: "low", untouched: { bytes: source, format: "jpeg" } }));
    expect(out.bytes).toBe(source);
    const grown = await encodeOutput(pixels, request("jpeg", { compression: "low" }));
    expect(grown.bytes.length).toBeGreaterThan(source.length);
  });

  it("keeps a smaller re-encode, and never applies across formats", async () => {
    const source = await webp.encode(await decoded("chelsea.jpg"), { quality: 100 });
    const pixels = await webp.decode(source);
    const out = await encodeOutput(pixels, request("webp", { untouched: { bytes: source, format: "webp" } }));
    expect(out.bytes.length).toBeLessThan(source.length);
    const png = await encodeOutput(pixels, request("png", { compression: "lossless", untouched: { bytes: source, format: "webp" } }));
    expect(png.format).toBe("png");
  });
});

describe("best", () => {
  it("picks the smallest of JPEG, WebP and AVIF at the target for an opaque photo", async () => {
    const image = await decoded("chelsea.jpg");
    const best = await encodeOutput(image, request("best"));
    const sizes = await Promise.all((["jpeg", "webp", "avif"] as const).map(async (f) => (await encodeAtTarget(image, lossyEncoder(f, 80, true), 80)).bytes.length));
    expect(best.bytes.length).toBe(Math.min(...sizes));
    expect(best.score).toBeGreaterThanOrEqual(80);
  });

  it("never picks JPEG for an image with transparency, and keeps the alpha", async () => {
    const image = await decoded("logo.png");
    const best = await encodeOutput(image, request("best"));
    expect(best.format).not.toBe("jpeg");
    expect((await decodeOutput(best.bytes)).opaque).toBe(false);
  });

  it("lossless: the smaller of PNG and WebP lossless, pixel-identical", async () => {
    const image = await decoded("coffee.png");
    const best = await encodeOutput(image, request("best", { compression: "lossless" }));
    expect(["png", "webp"]).toContain(best.format);
    expect(identical(await decodeOutput(best.bytes), image)).toBe(true);
  });

  it("leaves AVIF out when the output is over the AVIF pixel limit", async () => {
    const best = await encodeOutput(await decoded("chelsea.jpg"), request("best", { avifAllowed: false }));
    expect(best.format).not.toBe("avif");
  });
});

describe("explicit quality", () => {
  it.each([
    ["jpeg", 63],
    ["webp", 71],
    ["avif", 40],
  ] as const)("%s at quality %i: one encode at exactly that quality, not scored", async (format, quality) => {
    const image = await decoded("chelsea.jpg");
    const out = await encodeOutput(image, request(format, { quality, compression: "low" }));
    expect(out.encodes).toBe(1);
    expect(out.quality).toBe(quality);
    // AVIF of an opaque image: libaom 3.12 tune=iq in 4:4:4 at libavif's cq-level for the quality.
    const reference =
      format === "jpeg"
        ? await jpeg.encode(image, { quality, progressive: true })
        : format === "webp"
          ? await webp.encode(image, { quality })
          : await encodeAv1Avif(image, { cqLevel: Math.floor(((100 - quality) * 63 + 50) / 100), speed: 6, layout: "4:4:4" });
    expect(out.bytes.length).toBe(reference.length);
    expect(out.score).toBeNull();
  });
});
