/**
 * The project's MozJPEG encoder (wasm/dist/mozjpeg.wasm, behind jpeg.encode) inside workerd: the
 * file's structure (size, sampling factors, progressive or baseline), quality, fidelity, alpha,
 * errors, memory, and byte-identity with jSquash's MozJPEG 3.3.1 encoder, which it replaced.
 */
import jsquashEncoderFactory from "@jsquash/jpeg/codec/enc/mozjpeg_enc.js";
import jsquashEncoderWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import { describe, expect, it } from "vitest";
import * as jpeg from "../../src/image/codecs/jpeg";
import { decodeScaled } from "../../src/image/codecs/jpeg-turbo";
import { codecMemory, emscriptenInstance, GuardedCodec, releaseCodecs, type EmscriptenFactory } from "../../src/image/codecs/instance";
import { createRaster, type Raster } from "../../src/image/raster";
import { fixture } from "./fixtures";
import { rejection } from "./helpers";
import { syntheticPhoto } from "./images";
import { pixel, psnr, ssim } from "./metrics";

interface Frame {
  marker: number;
  width: number;
  height: number;
  /** Per component: (h << 4) | v. */
  sampling: number[];
}

/** The SOF segment of a JPEG file (walks the marker segments up to the first SOS). */
function frameOf(bytes: Uint8Array): Frame {
  expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  let p = 2;
  while (p + 4 <= bytes.length) {
    expect(bytes[p]).toBe(0xff);
    const marker = bytes[p + 1]!;
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      const s = p + 4;
      const count = bytes[s + 5]!;
      const sampling = Array.from({ length: count }, (_, i) => bytes[s + 6 + 3 * i + 1]!);
      return { marker, height: (bytes[s + 1]! << 8) | bytes[s + 2]!, width: (bytes[s + 3]! << 8) | bytes[s + 4]!, sampling };
    }
    if (marker === 0xda) break;
    p += 2 + length;
  }
  return expect.unreachable("no SOF marker before the first scan");
}

const SOF_BASELINE = 0xc0;
const SOF_PROGRESSIVE = 0xc2;

const encoderReport = () => codecMemory().find((c) => c.name === "jpeg-encoder") ?? expect.unreachable("no jpeg-encoder codec");

describe("file structure", () => {
  const image = syntheticPhoto(301, 203);

  it("writes a JFIF JPEG of the raster's size, 4:2:0 by default", async () => {
    const bytes = await jpeg.encode(image, { quality: 80, progressive: true });
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0xff, 0xd8, 0xff]);
    expect([bytes.at(-2), bytes.at(-1)]).toEqual([0xff, 0xd9]);
    expect(String.fromCharCode(...bytes.subarray(6, 10))).toBe("JFIF");
    const frame = frameOf(bytes);
    expect(frame).toMatchObject({ width: 301, height: 203 });
    expect(frame.sampling).toEqual([0x22, 0x11, 0x11]);
  });

  it("4:4:4 has 1×1 sampling for every component", async () => {
    const frame = frameOf(await jpeg.encode(image, { quality: 80, progressive: true, sampling: "4:4:4" }));
    expect(frame.sampling).toEqual([0x11, 0x11, 0x11]);
    expect(frameOf(await jpeg.encode(image, { quality: 80, progressive: false, sampling: "4:2:0" })).sampling).toEqual([0x22, 0x11, 0x11]);
  });

  it("progressive writes SOF2 and several scans; baseline SOF0 and one scan", async () => {
    const progressive = await jpeg.encode(image, { quality: 80, progressive: true });
    const baseline = await jpeg.encode(image, { quality: 80, progressive: false });
    expect(frameOf(progressive).marker).toBe(SOF_PROGRESSIVE);
    expect(frameOf(baseline).marker).toBe(SOF_BASELINE);
    const scans = (bytes: Uint8Array): number => bytes.reduce((n, byte, i) => n + (byte === 0xff && bytes[i + 1] === 0xda ? 1 : 0), 0);
    expect(scans(baseline)).toBe(1);
    expect(scans(progressive)).toBeGreaterThan(3);
  });

  it("encodes 1×1, 1×N and N×1 rasters and the same raster to the same bytes", async () => {
    for (const [w, h] of [[1, 1], [1, 37], [53, 1]] as const) {
      const frame = frameOf(await jpeg.encode(syntheticPhoto(w, h), { quality: 75, progressive: true }));
      expect([frame.width, frame.height]).toEqual([w, h]);
    }
    const a = await jpeg.encode(image, { quality: 80, progressive: true });
    const b = await jpeg.encode(image, { quality: 80, progressive: true });
    expect(b).toEqual(a);
  });
});

describe("quality and fidelity", () => {
  const image = syntheticPhoto(400, 300);

  it("higher quality gives strictly larger files", async () => {
    const sizes: number[] = [];
    for (const quality of [5, 20, 40, 60, 80, 90, 100]) sizes.push((await jpeg.encode(image, { quality, progressive: true })).length);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThan(sizes[i - 1]!);
  });

  it("decodes close to the input, closer at higher quality", async () => {
    const photo = await decodeScaled(fixture("rocket.jpg"), 0.5);
    const at = async (quality: number, sampling: "4:2:0" | "4:4:4") => {
      const decoded = await decodeScaled(await jpeg.encode(photo, { quality, progressive: true, sampling }), 1);
      return { psnr: psnr(photo, decoded), ssim: ssim(photo, decoded) };
    };
    const q50 = await at(50, "4:2:0");
    const q80 = await at(80, "4:2:0");
    const q95 = await at(95, "4:4:4");
    console.log(`rocket.jpg at 1/2 (${photo.width}×${photo.height}): PSNR/SSIM q50 ${q50.psnr.toFixed(2)}/${q50.ssim.toFixed(4)}, q80 ${q80.psnr.toFixed(2)}/${q80.ssim.toFixed(4)}, q95 4:4:4 ${q95.psnr.toFixed(2)}/${q95.ssim.toFixed(4)}`);
    expect(q80.psnr).toBeGreaterThan(31);
    expect(q80.ssim).toBeGreaterThan(0.95);
    expect(q95.psnr).toBeGreaterThan(q80.psnr + 3);
    expect(q80.psnr).toBeGreaterThan(q50.psnr);
    expect(q95.ssim).toBeGreaterThan(q80.ssim);
  });

  it("flattens transparency onto white", async () => {
    const image = createRaster(64, 64, undefined, false);
    for (let i = 0; i < image.data.length; i += 4) {
      const left = (i / 4) % 64 < 32;
      image.data.set(left ? [0, 0, 0, 0] : [0, 0, 0, 128], i); // transparent | half-transparent black
    }
    const decoded = await decodeScaled(await jpeg.encode(image, { quality: 95, progressive: false, sampling: "4:4:4" }), 1);
    for (const c of pixel(decoded, 8, 30).slice(0, 3)) expect(c).toBeGreaterThanOrEqual(253);
    for (const c of pixel(decoded, 50, 30).slice(0, 3)) expect(Math.abs(c - 127)).toBeLessThanOrEqual(3);
    expect(image.data[3]).toBe(0); // the caller's raster is left as it was
  });
});

describe("errors", () => {
  const image = syntheticPhoto(32, 32);

  it("refuses a quality outside 1-100 with a 422, as before", async () => {
    for (const quality of [0, 101, 80.5, Number.NaN]) {
      const err = await rejection(jpeg.encode(image, { quality, progressive: true }));
      expect(err.status).toBe(422);
      expect(err.message).toMatch(/^Unable to encode JPEG: quality must be an integer from 1 to 100/);
    }
  });

  it("a size libjpeg cannot store is a 422 with the encoder's message, and the next encode works", async () => {
    const err = await rejection(jpeg.encode(createRaster(65501, 1), { quality: 80, progressive: true }));
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/^Unable to encode JPEG: .*65500/);
    expect(frameOf(await jpeg.encode(image, { quality: 80, progressive: true })).width).toBe(32);
  });
});

describe("memory", () => {
  it("a small encode's instance is kept and reused without growing; a large one's is let go", async () => {
    releaseCodecs();
    const image = syntheticPhoto(800, 600);
    const before = encoderReport().instantiations;
    const sizes = new Set<number>();
    for (let i = 0; i < 8; i++) {
      await jpeg.encode(image, { quality: 80, progressive: true });
      sizes.add(encoderReport().lastCallBytes);
      expect(encoderReport().bytes).toBe(encoderReport().lastCallBytes); // kept
    }
    expect(encoderReport().instantiations).toBe(before + 1);
    expect(sizes.size).toBe(1); // eight encodes in the same memory: nothing leaks between calls
    await jpeg.encode(syntheticPhoto(2400, 1600), { quality: 80, progressive: true });
    expect(encoderReport().lastCallBytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(encoderReport().bytes).toBe(0); // over the retain limit: released
    // 0.5 MP: the coefficient buffers (2 bytes × 1.5 samples per pixel), the progressive scan
    // candidates and the output; not the 1.8 MiB of RGBA (streamed in bands) nor a 16 MiB start.
    const [bytes] = [...sizes];
    console.log(`800×600 q80 progressive: encoder memory ${((bytes ?? 0) / 1048576).toFixed(1)} MiB`);
    expect(bytes).toBeLessThan(8 * 1024 * 1024);
  });
});

// ---------------------------------------------------------------------------------------------
// The encoder replaced jSquash's build of MozJPEG 3.3.1 (still a dependency for decoding); for
// the same settings it writes the same bytes.

interface JsquashEncoderApi {
  encode(data: Uint8ClampedArray, width: number, height: number, options: Record<string, number | boolean>): unknown;
}

const jsquash = new GuardedCodec("test-jsquash-jpeg-encoder", emscriptenInstance(jsquashEncoderFactory as EmscriptenFactory<JsquashEncoderApi>, jsquashEncoderWasm));

/** The settings src/image/codecs/jpeg.ts gave jSquash's encoder. */
async function encodeJsquash(image: Raster, quality: number, progressive: boolean, sampling: "4:2:0" | "4:4:4"): Promise<Uint8Array> {
  const options = {
    quality, baseline: false, arithmetic: false, progressive, optimize_coding: true, smoothing: 0, color_space: 3, quant_table: 3,
    trellis_multipass: false, trellis_opt_zero: false, trellis_opt_table: false, trellis_loops: 1, auto_subsample: false,
    chroma_subsample: sampling === "4:4:4" ? 1 : 2, separate_chroma_quality: false, chroma_quality: quality,
  };
  const out = await jsquash.run((api) => api.encode(image.data, image.width, image.height, options));
  if (!(out instanceof Uint8Array)) return expect.unreachable("jSquash's encoder returned no bytes");
  return out.slice();
}

describe("same bytes as jSquash's MozJPEG 3.3.1 encoder", () => {
  it("on a synthetic photo and a decoded fixture, at several qualities, both samplings, progressive and baseline", async () => {
    const images = [syntheticPhoto(333, 250), await decodeScaled(fixture("rocket.jpg"), 0.5)];
    let compared = 0;
    for (const image of images) {
      for (const quality of [1, 30, 75, 80, 92, 100]) {
        for (const progressive of [true, false]) {
          for (const sampling of ["4:2:0", "4:4:4"] as const) {
            const ours = await jpeg.encode(image, { quality, progressive, sampling });
            const theirs = await encodeJsquash(image, quality, progressive, sampling);
            expect(ours.length, `${image.width}×${image.height} q${quality} ${progressive ? "progressive" : "baseline"} ${sampling}`).toBe(theirs.length);
            expect(ours).toEqual(theirs);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(48);
    jsquash.release();
  });
});
