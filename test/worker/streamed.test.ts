/**
 * The streamed route (src/image/streamed.ts) serves inputs that decode over MAX_INPUT_PIXELS.
 * Here the whole-raster limit is set low so that ordinary test images take it, and each answer is
 * compared with the whole-raster route's for the same request: the same pixels reach the encoder,
 * so the same bytes come out.
 */
import { describe, expect, it } from "vitest";
import { settings, type Settings } from "../../src/config";
import { processImage } from "../../src/image/process";
import { orient, orientStrips } from "../../src/image/steps/orient";
import { rasterStrips } from "../../src/image/strips";
import { encode } from "../../src/image/transcode";
import { parseDocument } from "../../src/request/document";
import { ApiError } from "../../src/errors";
import { fixture } from "./fixtures";
import { testEnv } from "./helpers";
import { syntheticPhoto } from "./images";

const whole: Settings = settings(testEnv);
const small: Settings = { ...whole, maxInputPixels: 50_000 };

async function both(bytes: Uint8Array, document: unknown): Promise<[Uint8Array, Uint8Array]> {
  const plan = parseDocument(document, "upload");
  const a = await processImage({ bytes, name: "in" }, plan, whole, "out");
  const b = await processImage({ bytes, name: "in" }, plan, small, "out");
  return [a.bytes, b.bytes];
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe("the streamed route", () => {
  const photo = syntheticPhoto(640, 480);
  const cases: [string, unknown][] = [
    ["{}", {}],
    ["resize to 300 wide", { resize: { width: 300 } }],
    ["resize fit 200×200 (a window of the source)", { resize: { width: 200, height: 200, mode: "fit" } }],
    ["webp", { output: { format: "webp" } }],
    ["png", { output: { format: "png" } }],
    ["quality 70", { output: { quality: 70 } }],
  ];
  for (const [name, document] of cases) {
    it(`JPEG, ${name}: the same bytes as the whole-raster route`, async () => {
      const input = await encode(photo, { format: "jpeg", quality: 85, progressive: false });
      const [a, b] = await both(input, document);
      expect(same(a, b)).toBe(true);
    }, 60_000);
  }

  it("PNG with alpha to JPEG (flattened strip by strip): the same bytes", async () => {
    const image = syntheticPhoto(400, 300);
    for (let i = 3; i < image.data.length; i += 4) image.data[i] = i % 255;
    image.opaque = false;
    const input = await encode(image, { format: "png", quality: 0, progressive: false });
    const [a, b] = await both(input, { output: { format: "jpeg", quality: 80 } });
    expect(same(a, b)).toBe(true);
  });

  it("EXIF orientation 6: turned while its strips pass, the same bytes", async () => {
    const input = fixture("chelsea-orientation6.jpg");
    const [a, b] = await both(input, { resize: { width: 200 } });
    expect(same(a, b)).toBe(true);
  }, 60_000);

  it("orientStrips equals orient() for every orientation", async () => {
    const image = syntheticPhoto(37, 23);
    for (let o = 1; o <= 8; o++) {
      const streamed = await orientStrips(rasterStrips(image, 5), o);
      expect(Buffer.from(streamed.data).equals(Buffer.from(orient(image, o).data))).toBe(true);
    }
  });

  it("refuses whole-raster operations on a large input with a 422 that names the limit", async () => {
    const input = await encode(photo, { format: "jpeg", quality: 85, progressive: false });
    const plan = parseDocument({ rotate: { angle: 90 } }, "upload");
    const error = await processImage({ bytes: input, name: "in" }, plan, small, "out").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).message).toMatch(/runs rotate on images of at most 50000 pixels/);
  });
});
