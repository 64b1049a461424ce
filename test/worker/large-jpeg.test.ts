/**
 * JPEGs above MAX_INPUT_PIXELS (up to MAX_LARGE_INPUT_PIXELS) are decoded reduced when the request
 * lets shrink-on-load decode them within MAX_INPUT_PIXELS, else taken by the streamed route
 * (streamed.test.ts), and refused from the header over the large-input limit.
 * The 6000×4000 input is made here with our own encoder from a synthetic photo. The memory test
 * measures one 24 MP → 1200 px job the way memory.test.ts does: the WASM memory of the instances
 * the job created (test/worker/wasm-instances.ts) plus the JS buffers alive at its end (input
 * bytes, decoded raster, resized raster, output bytes).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { settings } from "../../src/config";
import { releaseCodecs } from "../../src/image/codecs/instance";
import { scaledSize } from "../../src/image/codecs/jpeg-turbo";
import { probe } from "../../src/image/probe";
import { processImage } from "../../src/image/process";
import { jpegShrink } from "../../src/image/shrink-on-load";
import { encode } from "../../src/image/transcode";
import { parseDocument } from "../../src/request/document";
import { fixture } from "./fixtures";
import { createAccount, expectEnvelope, testEnv, upload } from "./helpers";
import { syntheticPhoto } from "./images";
import { watchWasm } from "./wasm-instances";

const MB = 1000 * 1000;
const MiB = 1024 * 1024;
const FIT_1200 = { resize: { mode: "fit", width: 1200, height: 800 }, output: { format: "jpeg", quality: 80 } };

/** A copy of a JPEG whose frame header (SOFn) claims width × height; the image data is unchanged. */
function claimingSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = jpeg.slice();
  for (let i = 2; i + 9 < out.length; ) {
    const marker = out[i + 1]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (out[i] === 0xff && isFrame) {
      out.set([height >> 8, height & 255, width >> 8, width & 255], i + 5);
      return out;
    }
    i += 2 + ((out[i + 2]! << 8) | out[i + 3]!);
  }
  throw new Error("no frame header found");
}

describe("JPEG inputs above MAX_INPUT_PIXELS", () => {
  const config = settings(testEnv);
  let huge: Uint8Array;
  let key: string;

  beforeAll(async () => {
    huge = await encode(syntheticPhoto(6000, 4000), { format: "jpeg", quality: 85, progressive: false });
    releaseCodecs();
    key = (await createAccount()).masterKey;
  }, 120_000);

  it("uses the configured limits", () => {
    expect(config.maxInputPixels).toBe(4_000_000);
    expect(config.maxLargeInputPixels).toBe(50_000_000);
  });

  it("resizes a 6000×4000 JPEG to 1200 px", async () => {
    const res = await upload(key, huge, "huge.jpg", { ...FIT_1200, response: { mode: "binary" } });
    expect(res.status).toBe(200);
    const out = probe(new Uint8Array(await res.arrayBuffer()));
    expect([out.format, out.width, out.height]).toEqual(["jpeg", 1200, 800]);
  });

  it("resizes it to exactly half on the streamed route (the decoder cannot shrink to that)", async () => {
    const res = await upload(key, huge, "huge.jpg", { resize: { mode: "fit", width: 3000, height: 2000 }, output: { format: "jpeg", quality: 80 }, response: { mode: "binary" } });
    expect(res.status).toBe(200);
    const out = probe(new Uint8Array(await res.arrayBuffer()));
    expect([out.format, out.width, out.height]).toEqual(["jpeg", 3000, 2000]);
  });

  it("refuses whole-raster operations on it, naming the limit", async () => {
    const cropped = await upload(key, huge, "huge.jpg", { ...FIT_1200, crop: { mode: "rect", width: 3000, height: 2000 } });
    await expectEnvelope(cropped, 422, /runs crop on images of at most 4000000 pixels as decoded, and this one decodes to 24000000/);
  });

  it("refuses from the header a JPEG over MAX_LARGE_INPUT_PIXELS", async () => {
    const claimed = claimingSize(fixture("chelsea.jpg"), 10_000, 6_000);
    expect(probe(claimed).width * probe(claimed).height).toBe(60_000_000);
    const res = await upload(key, claimed, "claimed.jpg", FIT_1200);
    await expectEnvelope(res, 422, /10000×6000 \(60000000 pixels\), over this server's limit for JPEG of 50000000 pixels/);
  });

  it("refuses from the header progressive JPEGs and PNGs over MAX_LARGE_INPUT_PIXELS", async () => {
    const progressive = claimingSize(fixture("chelsea-progressive.jpg"), 10_000, 6_000);
    expect(probe(progressive).interlaced).toBe(true);
    await expectEnvelope(await upload(key, progressive, "p.jpg", FIT_1200), 422, /over this server's limit for JPEG of 50000000 pixels/);
    const png = claimingPngSize(fixture("coffee.png"), 10_000, 6_000);
    await expectEnvelope(await upload(key, png, "big.png", FIT_1200), 422, /over this server's limit for PNG of 50000000 pixels/);
  });

  it("needs under 100 MB for 24 MP → 1200 px", async () => {
    const { decoded, peak } = await peakOf(huge, FIT_1200, "24 MP → 1200 px");
    expect(decoded.width * decoded.height).toBeLessThanOrEqual(config.maxInputPixels);
    expect(peak).toBeLessThan(100 * MB);
  });

  it("stays within memory.test.ts's budget at the largest decode the limit allows", async () => {
    // 4600×3450 (15.9 MP) decoded at 1/2 = 2300×1725 (3.97 MP), resized just under that.
    const input = await encode(syntheticPhoto(4600, 3450, 7), { format: "jpeg", quality: 85, progressive: false });
    const document = { resize: { mode: "fit", width: 2299, height: 1724 }, output: { format: "jpeg", quality: 80 } };
    const { decoded, peak } = await peakOf(input, document, "15.9 MP → 2299 px");
    expect(decoded).toEqual({ width: 2300, height: 1725 });
    expect(peak).toBeLessThan(112 * MiB);
  });

  /** Runs one job through processImage; the peak is the largest WASM instance plus the JS buffers. */
  async function peakOf(input: Uint8Array, document: object, label: string): Promise<{ decoded: { width: number; height: number }; peak: number }> {
    releaseCodecs();
    const plan = parseDocument(document, "upload");
    const info = probe(input);
    const decoded = scaledSize(info.width, info.height, jpegShrink(info, plan));
    const { result, wasm } = await watchWasm(() => processImage({ bytes: input, name: "in.jpg" }, plan, config, "out"));
    const js = input.byteLength + decoded.width * decoded.height * 4 + result.output.width * result.output.height * 4 + result.bytes.byteLength;
    const peak = wasm.largest + js;
    console.log(
      `${label}: input ${(input.byteLength / MB).toFixed(1)} MB, decoded at ${decoded.width}×${decoded.height}; WASM largest ${(wasm.largest / MB).toFixed(1)} MB ` +
        `(${wasm.instances} instances, ${(wasm.total / MB).toFixed(1)} MB in all); JS buffers ${(js / MB).toFixed(1)} MB; peak ${(peak / MB).toFixed(1)} MB`,
    );
    expect(wasm.instances).toBeGreaterThanOrEqual(3); // decoder, resampler, encoder
    return { decoded, peak };
  }
});

/** A copy of a PNG whose IHDR claims width × height (its CRC is not updated; probing ignores it). */
function claimingPngSize(png: Uint8Array, width: number, height: number): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return out;
}
