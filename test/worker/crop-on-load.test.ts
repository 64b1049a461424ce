/**
 * Crop-on-load (src/image/shrink-on-load.ts jpegWindow, src/image/codecs/jpeg-turbo.ts
 * decodeWindow): when a `fit` resize keeps only part of a JPEG, only that part is decoded, and
 * the output is pixel for pixel what cutting it from a whole decode gives.
 */
import { describe, expect, it } from "vitest";
import { settings } from "../../src/config";
import type { Region } from "../../src/image/canvas";
import { decodeScaled, decodeWindow, scaledSize, type JpegScale } from "../../src/image/codecs/jpeg-turbo";
import { probe, type ProbeResult } from "../../src/image/probe";
import { processImage } from "../../src/image/process";
import type { Raster } from "../../src/image/raster";
import { resize as resample } from "../../src/image/resample";
import { resizeLayout, toDecoded } from "../../src/image/resize-layout";
import { jpegShrink, jpegWindow } from "../../src/image/shrink-on-load";
import { applyEmbeddedProfile } from "../../src/image/icc";
import { decode, encode } from "../../src/image/transcode";
import { parseDocument, type RequestPlan } from "../../src/request/document";
import { fixture } from "./fixtures";
import { testEnv } from "./helpers";
import { syntheticPhoto } from "./images";

const SCALES: JpegScale[] = [1, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125];
/** 4:2:0 baseline, progressive, 4:4:4-like colour photo, grayscale. */
const FIXTURES = ["chelsea.jpg", "chelsea-progressive.jpg", "rocket.jpg", "astronaut.jpg", "camera-gray.jpg"];

function jpeg(width: number, height: number, orientation = 1): ProbeResult {
  return { format: "jpeg", width, height, orientation, interlaced: false, sampling: "4:2:0", quality: 90, depth: 24, colorspace: "YCbCr", hasAlpha: false, bitsPerChannel: 8, animated: false };
}

const plan = (document: object): RequestPlan => parseDocument(document, "upload");
const fit = (width: number, height: number, extra: object = {}): RequestPlan => plan({ resize: { mode: "fit", width, height }, ...extra });

/** Bytes that differ between `part` and the same-size area of `whole` at (left, top), in `area` of part. */
function differences(part: Raster, whole: Raster, left: number, top: number, area: Region): number {
  let count = 0;
  for (let y = area.y; y < area.y + area.height; y++) {
    for (let x = area.x; x < area.x + area.width; x++) {
      const a = (y * part.width + x) * 4;
      const b = ((top + y) * whole.width + left + x) * 4;
      for (let c = 0; c < 4; c++) if (part.data[a + c] !== whole.data[b + c]) count++;
    }
  }
  return count;
}

describe("decodeWindow", () => {
  it("decodes the pixels of a whole decode, away from the window's cut edges, at every scale", async () => {
    let checked = 0;
    for (const name of FIXTURES) {
      const bytes = fixture(name);
      for (const scale of SCALES) {
        const whole = await decodeScaled(bytes, scale);
        const windows: Region[] = [
          { x: 37, y: 21, width: Math.floor(whole.width / 2), height: Math.floor(whole.height / 2) },
          { x: whole.width - 60, y: 0, width: 60, height: whole.height },
          { x: 0, y: whole.height - 30, width: whole.width, height: 30 },
          { x: 1, y: 1, width: 9, height: 7 },
        ].filter((w) => w.x >= 0 && w.y >= 0 && w.x + w.width <= whole.width && w.y + w.height <= whole.height);
        for (const window of windows) {
          const { image, left, top } = await decodeWindow(bytes, scale, window);
          // libjpeg starts at a whole iMCU column (at most 32 px earlier), the rows where asked.
          expect(left).toBeLessThanOrEqual(window.x);
          expect(window.x - left).toBeLessThan(32);
          expect(top).toBe(window.y);
          expect([image.width, image.height]).toEqual([window.x + window.width - left, window.height]);
          // Chroma upsampling sees a cut as the image's border: two pixels in from each cut edge.
          const x0 = left > 0 ? 2 : 0;
          const y0 = top > 0 ? 2 : 0;
          const x1 = window.x + window.width < whole.width ? image.width - 2 : image.width;
          const y1 = window.y + window.height < whole.height ? image.height - 2 : image.height;
          const area = { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
          expect(differences(image, whole, left, top, area), `${name} at ${scale * 8}/8, window ${JSON.stringify(window)}`).toBe(0);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("still refuses a file cut short below the window, as a whole decode does", async () => {
    const whole = fixture("rocket.jpg");
    const bytes = whole.subarray(0, Math.floor(whole.length * 0.7));
    const info = probe(bytes);
    await expect(decodeScaled(bytes, 0.5)).rejects.toThrow(/Premature end/);
    await expect(decodeWindow(bytes, 0.5, { x: 0, y: 0, width: Math.ceil(info.width / 4), height: 8 })).rejects.toThrow(/Premature end/);
  });

  it("refuses a window outside the image", async () => {
    await expect(decodeWindow(fixture("chelsea.jpg"), 1, { x: 400, y: 0, width: 100, height: 10 })).rejects.toThrow(/not inside/);
  });
});

describe("jpegWindow", () => {
  it("is the part a fit resize keeps, in decoded pixels, with a 4 px margin", () => {
    // 3840×2400 → 400×400: the centre 2400×2400 square, decoded at 2/8 (the P4 bench job).
    expect(jpegWindow(jpeg(3840, 2400), fit(400, 400), 0.25)).toEqual({ x: 176, y: 0, width: 608, height: 600 });
    // A wide cut of a portrait: top and bottom go.
    expect(jpegWindow(jpeg(1000, 2000), fit(500, 100), 0.5)).toEqual({ x: 0, y: 446, width: 500, height: 108 });
    // Gravity top-left: the window starts at the corner.
    expect(jpegWindow(jpeg(3840, 2400), plan({ resize: { mode: "fit", width: 400, height: 400, gravity: "top-left" } }), 0.25)).toEqual({ x: 0, y: 0, width: 604, height: 600 });
  });

  it("is not used when the resize keeps everything or something moves pixels first", () => {
    expect(jpegWindow(jpeg(3840, 2400), fit(1200, 750), 0.375)).toBeUndefined(); // same aspect: whole image
    expect(jpegWindow(jpeg(3840, 2400), plan({ resize: { mode: "auto", width: 400, height: 400 } }), 0.25)).toBeUndefined();
    expect(jpegWindow(jpeg(3840, 2400, 6), fit(400, 400), 0.25)).toBeUndefined(); // EXIF orientation
    expect(jpegWindow(jpeg(3840, 2400), fit(400, 400, { flip: { horizontal: true } }), 0.25)).toBeUndefined();
    expect(jpegWindow(jpeg(3840, 2400), fit(400, 400, { rotate: { angle: 90 } }), 1)).toBeUndefined();
    expect(jpegWindow(jpeg(3840, 2400), plan({ resize: { mode: "fit", width: 400, height: 400, gravity: "face" } }), 0.25)).toBeUndefined();
    expect(jpegWindow({ ...jpeg(3840, 2400), format: "png" }, fit(400, 400), 1)).toBeUndefined();
  });
});

describe("processImage with crop-on-load", () => {
  /** The resize done on a whole decode at the same scale: what the output must equal. */
  async function expected(bytes: Uint8Array, document: RequestPlan): Promise<Raster> {
    const info = probe(bytes);
    const scale = jpegShrink(info, document);
    const whole = await applyEmbeddedProfile(bytes, info, await decodeScaled(bytes, scale));
    const layout = resizeLayout(info.width, info.height, document.resize!);
    const region = toDecoded(layout.source, scaledSize(info.width, info.height, scale), scale);
    return resample(whole, layout.width, layout.height, { region });
  }

  it("gives the pixels of a whole decode cut and resized (lossless PNG output)", async () => {
    const large = await encode(syntheticPhoto(1600, 1000), { format: "jpeg", quality: 90, progressive: false });
    const cases: [string, Uint8Array, object][] = [
      ["rocket square", fixture("rocket.jpg"), { mode: "fit", width: 200, height: 200 }],
      ["rocket wide", fixture("rocket.jpg"), { mode: "fit", width: 300, height: 100 }],
      ["chelsea progressive portrait", fixture("chelsea-progressive.jpg"), { mode: "fit", width: 100, height: 150 }],
      ["astronaut bottom-right", fixture("astronaut.jpg"), { mode: "fit", width: 120, height: 60, gravity: "bottom-right" }],
      ["1600×1000 square (2/8)", large, { mode: "fit", width: 300, height: 300 }],
      ["1600×1000 top, no shrink", large, { mode: "fit", width: 1500, height: 500, gravity: "top" }],
    ];
    for (const [label, bytes, resize] of cases) {
      const document = plan({ resize, optimize: { compression: "lossless" }, output: { format: "png" } });
      expect(jpegWindow(probe(bytes), document, jpegShrink(probe(bytes), document)), label).toBeDefined();
      const result = await processImage({ bytes, name: "in.jpg" }, document, settings(testEnv), "out");
      const output = await decode(result.bytes, "png");
      const reference = await expected(bytes, document);
      expect([output.width, output.height], label).toEqual([reference.width, reference.height]);
      expect(differences(output, reference, 0, 0, { x: 0, y: 0, width: output.width, height: output.height }), label).toBe(0);
    }
  });
});
