/**
 * The project's AV1 still-image encoder (wasm/dist/av1.wasm: libaom 3.12.1, tune=iq) and its AVIF
 * container inside workerd: the files decode with the service's own AVIF decoder (libavif + dav1d)
 * to the source's size and close to its pixels, in every layout; the sequence header is read back
 * into av1C; bad settings are refused and the next encode works.
 */
import { describe, expect, it } from "vitest";
import { encodeAv1Avif } from "../../src/image/codecs/av1";
import * as avif from "../../src/image/codecs/avif";
import { readSequenceHeader } from "../../src/image/codecs/avif-container";
import * as jpeg from "../../src/image/codecs/jpeg";
import { createRaster, type Raster } from "../../src/image/raster";
import { ssimulacra2 } from "../../src/image/score/ssimulacra2";
import { fixture } from "./fixtures";
import { rejection } from "./helpers";
import { pixel } from "./metrics";

function ascii(bytes: Uint8Array, from: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(from, from + length));
}

/** The payload of the top-level box `type`. */
function topBox(bytes: Uint8Array, type: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length; at += view.getUint32(at)) {
    if (ascii(bytes, at + 4, 4) === type) return bytes.subarray(at + 8, at + view.getUint32(at));
  }
  throw new Error(`no ${type} box`);
}

function grey(image: Raster): Raster {
  const out = createRaster(image.width, image.height);
  for (let i = 0; i < image.data.length; i += 4) {
    const v = Math.round(0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!);
    out.data.set([v, v, v, 255], i);
  }
  return out;
}

describe("AV1 encoder (libaom 3.12.1, tune=iq) in an AVIF file", () => {
  it("writes an AVIF every layout of which decodes to the source's size, close to its pixels", async () => {
    const source = await jpeg.decode(fixture("chelsea.jpg"));
    for (const layout of ["4:4:4", "4:2:0"] as const) {
      const file = await encodeAv1Avif(source, { cqLevel: 20, speed: 6, layout });
      expect(ascii(file, 4, 8)).toBe("ftypavif");
      expect(topBox(file, "mdat").length).toBeGreaterThan(1000);
      const decoded = await avif.decode(file);
      expect([decoded.width, decoded.height]).toEqual([source.width, source.height]);
      const score = await ssimulacra2(source, decoded);
      expect(score, layout).toBeGreaterThan(80);
    }
  });

  it("writes grey images as monochrome AV1", async () => {
    const source = grey(await jpeg.decode(fixture("chelsea.jpg")));
    const file = await encodeAv1Avif(source, { cqLevel: 20, speed: 6, layout: "monochrome" });
    const decoded = await avif.decode(file);
    const [r, g, b] = pixel(decoded, 200, 150);
    expect(r).toBe(g);
    expect(g).toBe(b);
    expect(Math.abs(r - pixel(source, 200, 150)[0])).toBeLessThan(12);
    expect(await ssimulacra2(source, decoded)).toBeGreaterThan(80);
  });

  it("gives fewer bytes and a lower score as the cq-level rises", async () => {
    const source = await jpeg.decode(fixture("chelsea.jpg"));
    const sizes: number[] = [];
    const scores: number[] = [];
    for (const cqLevel of [10, 30, 50]) {
      const file = await encodeAv1Avif(source, { cqLevel, speed: 6, layout: "4:4:4" });
      sizes.push(file.length);
      scores.push(await ssimulacra2(source, await avif.decode(file)));
    }
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
    expect(sizes[1]).toBeGreaterThan(sizes[2]!);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(scores[1]).toBeGreaterThan(scores[2]!);
  });

  it("reads the sequence header's profile and chroma layout back for av1C", async () => {
    const source = await jpeg.decode(fixture("chelsea.jpg"));
    const file = await encodeAv1Avif(source, { cqLevel: 30, speed: 8, layout: "4:2:0" });
    // configOBUs of av1C: the sequence header, at the end of the av1C box inside meta.
    const meta = topBox(file, "meta");
    const at = ascii(meta, 0, meta.length).indexOf("av1C");
    const size = new DataView(meta.buffer, meta.byteOffset + at - 4, 4).getUint32(0);
    const config = meta.subarray(at + 4, at - 4 + size);
    expect(config[0]).toBe(0x81);
    const info = readSequenceHeader(config.subarray(4));
    expect({ profile: info.profile, x: info.subsamplingX, y: info.subsamplingY, mono: info.monochrome }).toEqual({ profile: 0, x: 1, y: 1, mono: 0 });
    expect(config[1]! >> 5).toBe(0);
  });

  it("refuses a bad setting with a 422 and then encodes again", async () => {
    const source = await jpeg.decode(fixture("chelsea.jpg"));
    const err = await rejection(encodeAv1Avif(source, { cqLevel: 64, speed: 6, layout: "4:4:4" }));
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/AVIF.*bad argument/);
    const file = await encodeAv1Avif(source, { cqLevel: 40, speed: 8, layout: "4:4:4" });
    expect((await avif.decode(file)).width).toBe(source.width);
  });
});
