/**
 * Which scale shrink-on-load picks (src/image/shrink-on-load.ts): the smallest m/8 that still
 * leaves the resize a reduction, never 7/8, never for crops, rotations or other formats.
 */
import { describe, expect, it } from "vitest";
import { scaledSize } from "../../src/image/codecs/jpeg-turbo";
import type { ProbeResult } from "../../src/image/probe";
import { jpegShrink } from "../../src/image/shrink-on-load";
import { parseDocument } from "../../src/request/document";

function jpeg(width: number, height: number, orientation = 1): ProbeResult {
  return { format: "jpeg", width, height, orientation, interlaced: false, sampling: "4:2:0", quality: 90, depth: 24, colorspace: "YCbCr", hasAlpha: false, bitsPerChannel: 8, animated: false };
}

const fit = (width: number, height: number, extra: object = {}) => parseDocument({ resize: { mode: "fit", width, height }, ...extra }, "upload");

describe("jpegShrink", () => {
  it("picks the smallest eighth that leaves a reduction", () => {
    expect(jpegShrink(jpeg(3840, 2400), fit(1200, 800))).toBe(0.375); // 3.2× → 3/8 (1440×900)
    expect(jpegShrink(jpeg(6000, 4000), fit(1200, 800))).toBe(0.25); // 5× → 2/8
    expect(jpegShrink(jpeg(3840, 2400), fit(400, 400))).toBe(0.25); // the 2400 px square crop, 6× → 2/8
    expect(jpegShrink(jpeg(1920, 1080), fit(600, 600))).toBe(0.625); // 1.8× → 5/8 (1200×675)
    expect(jpegShrink(jpeg(8000, 8000), fit(100, 100))).toBe(0.125);
  });

  it("always leaves the resize some reduction: exactly 8/m is decoded at the next eighth up", () => {
    expect(jpegShrink(jpeg(4000, 4000), fit(2000, 2000))).toBe(0.625); // 2× exactly: not 4/8
    expect(jpegShrink(jpeg(4000, 4000), fit(1000, 1000))).toBe(0.375); // 4× exactly: not 2/8
    for (const [source, target] of [[3840, 1200], [1920, 600], [4000, 2000], [1001, 500], [640, 200]] as const) {
      const scale = jpegShrink(jpeg(source, source), fit(target, target));
      expect(scaledSize(source, source, scale).width, `${source} → ${target}`).toBeGreaterThan(target);
    }
  });

  it("never decodes at 7/8 (slower than a full decode), nor shrinks for small reductions or enlargements", () => {
    expect(jpegShrink(jpeg(1600, 1600), fit(1300, 1300))).toBe(1); // 1.23×: 7/8 would do, full size instead
    expect(jpegShrink(jpeg(1600, 1600), fit(1150, 1150))).toBe(0.75); // 1.39×: 6/8
    expect(jpegShrink(jpeg(1600, 1600), fit(1600, 1600))).toBe(1);
    expect(jpegShrink(jpeg(800, 800), fit(1600, 1600))).toBe(1);
  });

  it("follows the EXIF orientation, and stays at full size for crops, rotations and other formats", () => {
    expect(jpegShrink(jpeg(2400, 3840, 6), fit(1200, 800))).toBe(0.375); // stored portrait, shown landscape
    expect(jpegShrink(jpeg(3840, 2400), fit(1200, 800, { crop: { mode: "rect", width: 3000, height: 2000 } }))).toBe(1);
    expect(jpegShrink(jpeg(3840, 2400), fit(1200, 800, { rotate: { angle: 90 } }))).toBe(1);
    expect(jpegShrink({ ...jpeg(3840, 2400), format: "png" }, fit(1200, 800))).toBe(1);
  });
});
