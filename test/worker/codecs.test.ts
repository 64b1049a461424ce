/**
 * The WASM codecs inside workerd: decode against sharp's reading of the same files, encode round
 * trips, hostile input (and that every decoder keeps working afterwards), and memory per megapixel.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { concatBytes } from "../../src/image/bytes";
import * as avif from "../../src/image/codecs/avif";
import { codecMemory, GuardedCodec, RETAIN_LIMIT_BYTES, releaseCodecs, wasmMemoryBytes } from "../../src/image/codecs/instance";
import * as jpeg from "../../src/image/codecs/jpeg";
import * as png from "../../src/image/codecs/png";
import { crc32 } from "../../src/image/codecs/crc32";
import * as webp from "../../src/image/codecs/webp";
import { createRaster, type Raster } from "../../src/image/raster";
import { randomBytes } from "./bytes";
import { fixture } from "./fixtures";
import { rejection } from "./helpers";
import { syntheticPhoto } from "./images";

type Rgba = [number, number, number, number];
interface Reference {
  width: number;
  height: number;
  /** Mean of R, G, B, A over all pixels. */
  mean: Rgba;
  points: [number, number, Rgba][];
}

// sharp 0.35.5 (libvips 8.18.7) `sharp(file, { ignoreIcc: true }).ensureAlpha().raw()`, computed
// in Node from the committed fixtures. EXIF orientation is not applied on either side.
const REFERENCE: Record<string, Reference> = {
  "astronaut.jpg": { width: 512, height: 512, mean: [141.5, 105.8, 96.5, 255], points: [[0, 0, [148, 141, 149, 255]], [256, 256, [19, 16, 11, 255]], [128, 170, [246, 239, 247, 255]], [384, 341, [9, 4, 0, 255]], [511, 511, [0, 1, 0, 255]]] },
  "camera-gray.jpg": { width: 256, height: 256, mean: [129.1, 129.1, 129.1, 255], points: [[0, 0, [199, 199, 199, 255]], [128, 128, [13, 13, 13, 255]], [64, 85, [33, 33, 33, 255]], [192, 170, [154, 154, 154, 255]], [255, 255, [150, 150, 150, 255]]] },
  "chelsea-orientation6.jpg": { width: 300, height: 451, mean: [147.7, 111.4, 86.8, 255], points: [[0, 0, [46, 26, 15, 255]], [150, 225, [189, 149, 123, 255]], [75, 150, [189, 155, 128, 255]], [225, 300, [173, 134, 105, 255]], [299, 450, [133, 98, 68, 255]]] },
  "chelsea-progressive.jpg": { width: 451, height: 300, mean: [147.7, 111.4, 86.8, 255], points: [[0, 0, [143, 121, 108, 255]], [225, 150, [191, 147, 122, 255]], [112, 100, [176, 136, 101, 255]], [338, 200, [148, 120, 99, 255]], [450, 299, [165, 138, 129, 255]]] },
  "chelsea.avif": { width: 451, height: 300, mean: [147.8, 111.4, 86.9, 255], points: [[0, 0, [143, 121, 108, 255]], [225, 150, [189, 147, 123, 255]], [112, 100, [185, 141, 104, 255]], [338, 200, [147, 118, 102, 255]], [450, 299, [164, 140, 130, 255]]] },
  "chelsea.jpg": { width: 451, height: 300, mean: [147.7, 111.4, 86.8, 255], points: [[0, 0, [143, 119, 107, 255]], [225, 150, [196, 156, 130, 255]], [112, 100, [184, 141, 106, 255]], [338, 200, [150, 118, 103, 255]], [450, 299, [163, 139, 129, 255]]] },
  "chelsea.webp": { width: 451, height: 300, mean: [147.7, 111.6, 86.7, 255], points: [[0, 0, [143, 117, 105, 255]], [225, 150, [195, 149, 123, 255]], [112, 100, [190, 146, 108, 255]], [338, 200, [149, 117, 98, 255]], [450, 299, [162, 140, 131, 255]]] },
  "coffee-16bit.png": { width: 300, height: 200, mean: [158.6, 85.8, 51.5, 255], points: [[0, 0, [21, 13, 8, 255]], [150, 100, [249, 251, 255, 255]], [75, 66, [169, 42, 15, 255]], [225, 133, [196, 65, 25, 255]], [299, 199, [146, 65, 32, 255]]] },
  "coffee.png": { width: 300, height: 200, mean: [158.6, 85.8, 51.5, 255], points: [[0, 0, [21, 13, 8, 255]], [150, 100, [249, 251, 255, 255]], [75, 66, [169, 42, 15, 255]], [225, 133, [196, 65, 25, 255]], [299, 199, [146, 65, 32, 255]]] },
  "logo.avif": { width: 250, height: 250, mean: [215, 199.6, 129, 180.1], points: [[0, 0, [255, 255, 255, 0]], [125, 125, [255, 150, 68, 255]], [62, 83, [151, 201, 76, 255]], [187, 166, [255, 164, 93, 255]], [249, 249, [255, 255, 255, 0]]] },
  "logo.png": { width: 250, height: 250, mean: [215.3, 199.6, 129, 180.1], points: [[0, 0, [255, 255, 255, 0]], [125, 125, [255, 153, 71, 255]], [62, 83, [151, 202, 75, 255]], [187, 166, [255, 163, 91, 255]], [249, 249, [255, 255, 255, 0]]] },
  "logo.webp": { width: 250, height: 250, mean: [212.7, 197.6, 125.9, 180.1], points: [[0, 0, [255, 255, 255, 0]], [125, 125, [241, 150, 76, 255]], [62, 83, [152, 202, 76, 255]], [187, 166, [255, 164, 90, 255]], [249, 249, [255, 255, 255, 0]]] },
  "palette-color.png": { width: 10, height: 10, mean: [116.3, 114.2, 123.9, 255], points: [[0, 0, [51, 0, 255, 255]], [5, 5, [102, 51, 255, 255]], [2, 3, [153, 51, 255, 255]], [7, 6, [153, 51, 204, 255]], [9, 9, [102, 0, 204, 255]]] },
  "rocket.jpg": { width: 640, height: 427, mean: [52.3, 61.3, 82.3, 255], points: [[0, 0, [17, 33, 58, 255]], [320, 213, [132, 123, 114, 255]], [160, 142, [44, 64, 101, 255]], [480, 284, [46, 60, 87, 255]], [639, 426, [83, 61, 37, 255]]] },
};

interface Codec {
  decode(bytes: Uint8Array): Promise<Raster>;
}
const CODECS: Record<string, Codec> = { jpg: jpeg, png, webp, avif };
/** Per-sample tolerance against sharp: libjpeg-turbo vs MozJPEG and libwebp 1.6 vs 1.0 may round differently; 16→8 bit rounding vs truncation. */
const TOLERANCE: Record<string, number> = { jpg: 3, png: 0, webp: 3, avif: 3, "coffee-16bit.png": 1 };

const codecOf = (name: string): Codec => CODECS[name.split(".").pop() ?? ""] ?? expect.unreachable(`no codec for ${name}`);

function pixel(image: Raster, x: number, y: number): Rgba {
  const i = (y * image.width + x) * 4;
  const d = image.data;
  return [d[i] ?? -1, d[i + 1] ?? -1, d[i + 2] ?? -1, d[i + 3] ?? -1];
}

function mean(image: Raster): Rgba {
  const sum = [0, 0, 0, 0];
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) {
    sum[0] = (sum[0] ?? 0) + (d[i] ?? 0);
    sum[1] = (sum[1] ?? 0) + (d[i + 1] ?? 0);
    sum[2] = (sum[2] ?? 0) + (d[i + 2] ?? 0);
    sum[3] = (sum[3] ?? 0) + (d[i + 3] ?? 0);
  }
  const n = image.width * image.height;
  return sum.map((s) => s / n) as Rgba;
}

function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  const off = actual.some((v, i) => Math.abs(v - (expected[i] ?? NaN)) > tolerance);
  expect(off, `${what}: got [${actual.join(", ")}], sharp [${expected.join(", ")}] ±${tolerance}`).toBe(false);
}

/** PSNR over R, G, B (alpha ignored), dB. */
function psnr(a: Raster, b: Raster): number {
  expect([b.width, b.height]).toEqual([a.width, a.height]);
  let sse = 0;
  for (let i = 0; i < a.data.length; i++) {
    if ((i & 3) === 3) continue;
    const d = (a.data[i] ?? 0) - (b.data[i] ?? 0);
    sse += d * d;
  }
  const mse = sse / (a.width * a.height * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

async function expectApiError(promise: Promise<unknown>, status: number, message: RegExp): Promise<ApiError> {
  const apiError = await rejection(promise);
  expect(apiError.status).toBe(status);
  expect(apiError.message).toMatch(message);
  return apiError;
}

const ascii = (s: string): number[] => Array.from(s, (ch) => ch.charCodeAt(0));
const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const instantiations = (name: string): number => codecMemory().find((c) => c.name === name)?.instantiations ?? -1;

// ---------------------------------------------------------------------------------------------
// Hand-made PNGs (zlib through CompressionStream("deflate")), for colour types with no fixture.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngChunk(type: string, data: Uint8Array | readonly number[]): Uint8Array {
  const body = concatBytes([ascii(type), data]);
  return concatBytes([u32(data.length), body, u32(crc32(body))]);
}

async function zlib(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Rows are given without filter bytes; filter 0 is added. */
async function makePng(width: number, height: number, bitDepth: number, colourType: number, rows: number[][], extra: Uint8Array[] = []): Promise<Uint8Array> {
  const raw = concatBytes(rows.flatMap((row) => [[0], row]));
  const ihdr = [...u32(width), ...u32(height), bitDepth, colourType, 0, 0, 0];
  return concatBytes([PNG_SIGNATURE, pngChunk("IHDR", ihdr), ...extra, pngChunk("IDAT", await zlib(raw)), pngChunk("IEND", [])]);
}

// ---------------------------------------------------------------------------------------------

describe("decode", () => {
  for (const [name, ref] of Object.entries(REFERENCE)) {
    it(`${name}: stored dimensions, opacity and pixels as sharp reads them`, async () => {
      const image = await codecOf(name).decode(fixture(name));
      expect([image.width, image.height]).toEqual([ref.width, ref.height]);
      expect(image.opaque).toBe(!name.startsWith("logo."));
      expect(image.data.length).toBe(ref.width * ref.height * 4);
      // The decoder's own fresh copy, not a view into WASM memory and not copied again.
      expect(image.data.buffer.byteLength).toBe(image.data.length);
      const tolerance = TOLERANCE[name] ?? TOLERANCE[name.split(".").pop() ?? ""] ?? 0;
      for (const [x, y, expected] of ref.points) expectClose(pixel(image, x, y), expected, tolerance, `${name} (${x},${y})`);
      expectClose(mean(image), ref.mean, 0.6, `${name} mean`);
    });
  }

  it("leaves no ImageData (or location) global behind", async () => {
    await jpeg.decode(fixture("chelsea.jpg"));
    await webp.decode(fixture("logo.webp"));
    expect("ImageData" in globalThis).toBe(false);
    expect("location" in globalThis).toBe(false);
  });

  it("PNG: gray, gray+alpha, 16-bit gray, 1-bit gray and palette with tRNS expand to RGBA", async () => {
    const gray = await png.decode(await makePng(2, 2, 8, 0, [[0, 100], [200, 255]]));
    expect(Array.from(gray.data)).toEqual([0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255, 255, 255, 255, 255]);
    expect(gray.opaque).toBe(true);

    const grayAlpha = await png.decode(await makePng(2, 1, 8, 4, [[10, 0, 20, 255]]));
    expect(Array.from(grayAlpha.data)).toEqual([10, 10, 10, 0, 20, 20, 20, 255]);
    expect(grayAlpha.opaque).toBe(false);

    const gray16 = await png.decode(await makePng(2, 1, 16, 0, [[0x12, 0x34, 0xff, 0xff]]));
    expect(Array.from(gray16.data)).toEqual([18, 18, 18, 255, 255, 255, 255, 255]); // 0x1234 / 257 = 18.1

    const bits = await png.decode(await makePng(8, 1, 1, 0, [[0b10100000]]));
    expect(Array.from(bits.data.filter((_, i) => i % 4 === 0))).toEqual([255, 0, 255, 0, 0, 0, 0, 0]);

    const plte = pngChunk("PLTE", [255, 0, 0, 0, 0, 255]);
    const trns = pngChunk("tRNS", [128]);
    const palette = await png.decode(await makePng(2, 1, 8, 3, [[0, 1]], [plte, trns]));
    expect(Array.from(palette.data)).toEqual([255, 0, 0, 128, 0, 0, 255, 255]);
    expect(palette.opaque).toBe(false);
  });

  it("JPEG: a file cut in its entropy data is refused, not returned half grey", async () => {
    const whole = fixture("chelsea.jpg");
    await expect(jpeg.decode(whole.slice(0, whole.length >> 1))).rejects.toMatchObject({ status: 415, message: /truncated|Premature end/ });
    expect((await jpeg.decode(whole)).width).toBe(451);
  });
});

// ---------------------------------------------------------------------------------------------

/** Start of frame: marker byte and per-component sampling factors (high nibble H, low V). */
function jpegFrame(bytes: Uint8Array): { marker: number; sampling: number[] } {
  for (let i = 2; i + 3 < bytes.length; ) {
    if (bytes[i] !== 0xff) throw new Error(`no marker at ${i}`);
    const marker = bytes[i + 1] ?? 0;
    const length = ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0);
    if (marker >= 0xc0 && marker <= 0xc2) {
      const count = bytes[i + 9] ?? 0;
      return { marker, sampling: Array.from({ length: count }, (_, c) => bytes[i + 11 + c * 3] ?? 0) };
    }
    i += 2 + length;
  }
  throw new Error("no SOF");
}

/** The chroma subsampling bits of each av1C box (x, y) and whether it is monochrome (alpha). */
function av1Configs(bytes: Uint8Array): { monochrome: boolean; subX: number; subY: number }[] {
  const configs = [];
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
  for (let i = head.indexOf("av1C"); i >= 0; i = head.indexOf("av1C", i + 1)) {
    const flags = bytes[i + 6] ?? 0;
    configs.push({ monochrome: (flags & 0x10) !== 0, subX: (flags >> 3) & 1, subY: (flags >> 2) & 1 });
  }
  return configs;
}

const startsWithBytes = (bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean =>
  prefix.every((b, i) => bytes[offset + i] === b);

describe("encode round trip", () => {
  const photo = (): Promise<Raster> => png.decode(fixture("coffee.png"));
  const logo = (): Promise<Raster> => png.decode(fixture("logo.png"));

  it("JPEG q80: progressive or baseline as asked, 4:2:0 by default, 4:4:4 on request, > 30 dB", async () => {
    const source = await photo();
    const progressive = await jpeg.encode(source, { quality: 80, progressive: true });
    const baseline = await jpeg.encode(source, { quality: 80, progressive: false });
    const full = await jpeg.encode(source, { quality: 80, progressive: true, sampling: "4:4:4" });
    for (const out of [progressive, baseline, full]) {
      expect(startsWithBytes(out, [0xff, 0xd8, 0xff])).toBe(true);
      expect(out.buffer.byteLength).toBe(out.length);
      expect(psnr(source, await jpeg.decode(out))).toBeGreaterThan(30);
    }
    expect(jpegFrame(progressive)).toEqual({ marker: 0xc2, sampling: [0x22, 0x11, 0x11] });
    expect(jpegFrame(baseline)).toEqual({ marker: 0xc0, sampling: [0x22, 0x11, 0x11] });
    expect(jpegFrame(full)).toEqual({ marker: 0xc2, sampling: [0x11, 0x11, 0x11] });
    expect(full.length).toBeGreaterThan(progressive.length);
  });

  it("JPEG: a raster with transparency is flattened on white", async () => {
    const image = await jpeg.decode(await jpeg.encode(await logo(), { quality: 90, progressive: false }));
    expect(image.opaque).toBe(true);
    expectClose(pixel(image, 0, 0), [255, 255, 255, 255], 2, "transparent corner");
    expectClose(pixel(image, 125, 125), [255, 153, 71, 255], 20, "opaque centre (chroma subsampled)");
  });

  it("PNG: lossless, RGB when opaque and RGBA with alpha, alpha kept exactly", async () => {
    for (const source of [await photo(), await logo()]) {
      const out = await png.encode(source);
      expect(startsWithBytes(out, PNG_SIGNATURE)).toBe(true);
      expect([out[24], out[25]]).toEqual([8, source.opaque ? 2 : 6]); // bit depth, colour type
      const back = await png.decode(out);
      expect(back.opaque).toBe(source.opaque);
      expect(back.data).toEqual(source.data);
    }
  });

  it("WebP q80 > 30 dB, lossless exact, alpha kept", async () => {
    const source = await photo();
    const lossy = await webp.encode(source, { quality: 80 });
    expect(startsWithBytes(lossy, ascii("RIFF")) && startsWithBytes(lossy, ascii("WEBPVP8 "), 8)).toBe(true);
    expect(psnr(source, await webp.decode(lossy))).toBeGreaterThan(30);

    const lossless = await webp.encode(source, { quality: 80, lossless: true });
    expect(startsWithBytes(lossless, ascii("WEBPVP8L"), 8)).toBe(true);
    expect((await webp.decode(lossless)).data).toEqual(source.data);

    const transparent = await webp.decode(await webp.encode(await logo(), { quality: 80 }));
    expect(transparent.opaque).toBe(false);
    expect(pixel(transparent, 0, 0)[3]).toBe(0);
    expect(pixel(transparent, 125, 125)[3]).toBe(255);
  });

  it("AVIF q55 > 30 dB, 4:2:0, alpha kept (as a monochrome auxiliary image)", async () => {
    const source = await photo();
    const out = await avif.encode(source, { quality: 55 });
    expect(startsWithBytes(out, ascii("ftypavif"), 4)).toBe(true);
    expect(av1Configs(out)).toEqual([{ monochrome: false, subX: 1, subY: 1 }]);
    expect(psnr(source, await avif.decode(out))).toBeGreaterThan(30);

    const withAlpha = await avif.encode(await logo(), { quality: 55 });
    expect(av1Configs(withAlpha)).toEqual([
      { monochrome: false, subX: 1, subY: 1 },
      { monochrome: true, subX: 1, subY: 1 },
    ]);
    const transparent = await avif.decode(withAlpha);
    expect(transparent.opaque).toBe(false);
    expect(pixel(transparent, 0, 0)[3]).toBe(0);
    expect(pixel(transparent, 125, 125)[3]).toBe(255);

    const full = await avif.encode(source, { quality: 55, speed: 8, sampling: "4:4:4" });
    expect(av1Configs(full)).toEqual([{ monochrome: false, subX: 0, subY: 0 }]);
  });

  it("rejects bad settings and impossible images with 422, then encodes again", async () => {
    const source = await photo();
    await expectApiError(jpeg.encode(source, { quality: 0, progressive: true }), 422, /^Unable to encode JPEG: quality must be/);
    await expectApiError(webp.encode(source, { quality: 101 }), 422, /^Unable to encode WebP: quality/);
    await expectApiError(avif.encode(source, { quality: 50, speed: 11 }), 422, /^Unable to encode AVIF: speed/);

    const empty = createRaster(0, 0);
    await expectApiError(jpeg.encode(empty, { quality: 80, progressive: true }), 422, /^Unable to encode JPEG: /);
    await expectApiError(png.encode(empty), 422, /^Unable to encode PNG: /);
    await expectApiError(webp.encode(empty, { quality: 80 }), 422, /^Unable to encode WebP: /);
    await expectApiError(avif.encode(empty, { quality: 50 }), 422, /^Unable to encode AVIF: /);

    expect((await jpeg.decode(await jpeg.encode(source, { quality: 80, progressive: true }))).width).toBe(300);
    expect((await png.decode(await png.encode(source))).width).toBe(300);
    expect((await webp.decode(await webp.encode(source, { quality: 80 }))).width).toBe(300);
    expect((await avif.decode(await avif.encode(source, { quality: 50, speed: 9 }))).width).toBe(300);
  });
});

// ---------------------------------------------------------------------------------------------

describe("hostile input", () => {
  const chelsea = fixture("chelsea.jpg");
  const coffee = fixture("coffee.png");
  const webpFile = fixture("chelsea.webp");
  const avifFile = fixture("chelsea.avif");

  /** A PNG whose IDAT holds garbage with a correct CRC: only the decoder itself can refuse it. */
  const badDeflatePng = concatBytes([coffee.subarray(0, 33), pngChunk("IDAT", randomBytes(500, 7)), pngChunk("IEND", [])]);
  const badCrcPng = coffee.slice();
  badCrcPng[coffee.length - 20] = (badCrcPng[coffee.length - 20] ?? 0) ^ 0x01; // inside the last IDAT

  const hostile: Record<string, { codec: Codec; valid: Uint8Array; inputs: [string, Uint8Array][] }> = {
    JPEG: {
      codec: jpeg,
      valid: chelsea,
      inputs: [
        ["zero bytes", new Uint8Array(0)],
        ["1 byte", Uint8Array.of(0xff)],
        ["random", randomBytes(4096, 1)],
        ["JPEG marker + random", concatBytes([[0xff, 0xd8, 0xff], randomBytes(4096, 2)])],
        ["truncated.jpg (cut in its headers)", fixture("truncated.jpg")],
        ["chelsea.jpg cut at 300 bytes", chelsea.slice(0, 300)],
      ],
    },
    PNG: {
      codec: png,
      valid: coffee,
      inputs: [
        ["zero bytes", new Uint8Array(0)],
        ["1 byte", Uint8Array.of(0x89)],
        ["random", randomBytes(4096, 3)],
        ["signature + random", concatBytes([PNG_SIGNATURE, randomBytes(4096, 4)])],
        ["corrupted IDAT CRC", badCrcPng],
        ["garbage zlib data, valid CRC", badDeflatePng],
        ["cut at 50%", coffee.slice(0, coffee.length >> 1)],
      ],
    },
    WebP: {
      codec: webp,
      valid: webpFile,
      inputs: [
        ["zero bytes", new Uint8Array(0)],
        ["1 byte", Uint8Array.of(0x52)],
        ["random", randomBytes(4096, 5)],
        ["RIFF WEBP header + random", concatBytes([webpFile.subarray(0, 16), randomBytes(4096, 6)])],
        ["cut at 50%", webpFile.slice(0, webpFile.length >> 1)],
      ],
    },
    AVIF: {
      codec: avif,
      valid: avifFile,
      inputs: [
        ["zero bytes", new Uint8Array(0)],
        ["1 byte", Uint8Array.of(0)],
        ["random", randomBytes(4096, 8)],
        ["ftyp box + random", concatBytes([avifFile.subarray(0, 32), randomBytes(4096, 9)])],
        ["cut at 50%", avifFile.slice(0, avifFile.length >> 1)],
      ],
    },
  };

  for (const [format, { codec, valid, inputs }] of Object.entries(hostile)) {
    it(`${format}: every hostile input is a 415, and a valid decode works after each`, async () => {
      const good = await codec.decode(valid);
      for (const [label, bytes] of inputs) {
        const err = await expectApiError(codec.decode(bytes), 415, new RegExp(`^The input is not a valid ${format} image: .+`));
        expect(err.message, label).not.toMatch(/undefined|\[object/);
        const again = await codec.decode(valid);
        expect(again.data, `valid decode after ${label}`).toEqual(good.data);
      }
    });
  }

  it("JPEG and PNG decoders that failed inside WASM are replaced by fresh instances", async () => {
    const jpegBefore = instantiations("jpeg-decoder");
    await expectApiError(jpeg.decode(concatBytes([[0xff, 0xd8, 0xff], randomBytes(100, 10)])), 415, /JPEG/);
    await jpeg.decode(chelsea);
    // Every call gets its own instance (RETAIN_LIMIT_BYTES = 0), the failed one and the next.
    expect(instantiations("jpeg-decoder")).toBe(jpegBefore + 2);

    const pngBefore = instantiations("png");
    await expectApiError(png.decode(badDeflatePng), 415, /PNG/);
    await png.decode(coffee);
    expect(instantiations("png")).toBe(pngBefore + 2);
  });

  it("50 garbage decodes in a row per format, then a valid one", async () => {
    const prefixes: [Codec, Uint8Array, number[] | Uint8Array][] = [
      [jpeg, chelsea, [0xff, 0xd8, 0xff]],
      [png, coffee, coffee.subarray(0, 33)],
      [webp, webpFile, webpFile.subarray(0, 16)],
      [avif, avifFile, avifFile.subarray(0, 32)],
    ];
    for (const [codec, valid, prefix] of prefixes) {
      for (let i = 0; i < 50; i++) {
        await expect(codec.decode(concatBytes([prefix, randomBytes(64 + i * 37, 100 + i)]))).rejects.toBeInstanceOf(ApiError);
      }
      expect((await codec.decode(valid)).width).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("guarded instances", () => {
  it("drop an instance that trapped and create a fresh one on the next call", async () => {
    let created = 0;
    const codec = new GuardedCodec("test-codec", async () => {
      created += 1;
      const id = created;
      return { api: { id }, memory: new WebAssembly.Memory({ initial: 1 }), messages: [] };
    }, Infinity);
    expect(await codec.run((api) => api.id)).toBe(1);
    expect(await codec.run((api) => api.id)).toBe(1);
    await expect(
      codec.run(() => {
        throw new WebAssembly.RuntimeError("unreachable");
      }),
    ).rejects.toThrow("the codec crashed (unreachable)");
    expect(await codec.run((api) => api.id)).toBe(2);
    expect(codec.report()).toEqual({ name: "test-codec", bytes: 65536, lastCallBytes: 65536, instantiations: 2 });
    codec.release();
  });

  it("release an instance whose memory grew past the retain limit after its call", async () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    let created = 0;
    const codec = new GuardedCodec("test-retain", async () => {
      created += 1;
      return { api: memory, memory, messages: [] };
    }, 2 * 65536);
    await codec.run((m) => m.grow(1));
    expect(codec.report().bytes).toBe(2 * 65536);
    await codec.run((m) => m.grow(1));
    expect(codec.report()).toMatchObject({ bytes: 0, lastCallBytes: 3 * 65536, instantiations: 1 });
    await codec.run(() => undefined);
    expect(created).toBe(2);
    codec.release();
  });
});

// ---------------------------------------------------------------------------------------------

/** A 2000×1500 photo-like raster: smooth gradients plus seeded noise. */

const MiB = (bytes: number): string => (bytes / 1048576).toFixed(1);

const codecReport = (name: string) => codecMemory().find((c) => c.name === name) ?? expect.unreachable(`no codec ${name}`);

describe("memory", () => {
  it("reports the WASM memory of a 2000×1500 (3 MP) JPEG encode and decode", async () => {
    releaseCodecs();
    expect(wasmMemoryBytes()).toBe(0);
    const source = syntheticPhoto(2000, 1500);

    let start = Date.now();
    const encoded = await jpeg.encode(source, { quality: 80, progressive: true });
    const encodeMs = Date.now() - start;
    const encoder = codecReport("jpeg-encoder");
    const liveAfterEncode = wasmMemoryBytes();

    start = Date.now();
    const decoded = await jpeg.decode(encoded);
    const decodeMs = Date.now() - start;
    const decoder = codecReport("jpeg-decoder");
    const liveAfterDecode = wasmMemoryBytes();

    expect(psnr(source, decoded)).toBeGreaterThan(30);
    console.log(
      `3 MP JPEG q80 progressive (${(encoded.length / 1024).toFixed(0)} KB): ` +
        `encode ${encodeMs} ms, encoder memory ${MiB(encoder.lastCallBytes)} MiB, live WASM after encode ${MiB(liveAfterEncode)} MiB; ` +
        `decode ${decodeMs} ms, decoder memory ${MiB(decoder.lastCallBytes)} MiB, live WASM after decode ${MiB(liveAfterDecode)} MiB`,
    );
    // Instances are let go after every call (RETAIN_LIMIT_BYTES is 0): an idle isolate holds no
    // codec memory. The encoder (wasm/mozjpeg, 1 MiB start, RGBA streamed in) needs the image's
    // coefficients and the output; jSquash's, before it, 16 MiB plus a copy of the RGBA on top
    // (47.9 MiB here). The decoder needs about its 16 MiB start.
    expect(RETAIN_LIMIT_BYTES).toBe(0);
    expect(encoder.lastCallBytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(encoder.lastCallBytes).toBeLessThan(32 * 1024 * 1024);
    expect(encoder.bytes).toBe(0);
    expect(decoder.lastCallBytes).toBeLessThan(32 * 1024 * 1024);
    expect(liveAfterEncode).toBe(0);
    expect(liveAfterDecode).toBe(0);
    releaseCodecs();
    expect(wasmMemoryBytes()).toBe(0);
  });
});
