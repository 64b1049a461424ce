/**
 * The pixel limit is set so that one request at the limit fits in a 128 MB isolate. This measures
 * the peak of WASM memory plus the JS buffers alive at each stage (input bytes, rasters, output)
 * for every output format at the configured limit, from JPEG, PNG and AVIF inputs, and asserts it
 * stays under the budget. The JS heap of the Worker itself (code, Hono, a few MB) is not counted.
 */
import { describe, expect, it } from "vitest";
import { settings } from "../../src/config";
import { codecMemory, releaseCodecs } from "../../src/image/codecs/instance";
import { lossyEncoder } from "../../src/image/optimize/lossy-formats";
import { orient } from "../../src/image/steps/orient";
import { decode, encode } from "../../src/image/transcode";
import type { EncodableFormat } from "../../src/request/output";
import { testEnv } from "./helpers";
import { syntheticPhoto } from "./images";

const MiB = 1024 * 1024;
const BUDGET = 112 * MiB;

function lastCall(name: string): number {
  return codecMemory().find((c) => c.name === name)?.lastCallBytes ?? 0;
}

const CODEC: Record<EncodableFormat, { decoder: string; encoder: string }> = {
  jpeg: { decoder: "jpeg-turbo", encoder: "jpeg-encoder" },
  png: { decoder: "png", encoder: "png" },
  webp: { decoder: "webp-decoder", encoder: "webp-encoder" },
  // The pipeline encodes opaque AVIF with libaom 3.12 (codecs/av1.ts), images with alpha with jSquash's.
  avif: { decoder: "avif-decoder", encoder: "av1-encoder" },
};

async function peakOf(input: Uint8Array, from: EncodableFormat, to: EncodableFormat): Promise<number> {
  releaseCodecs();
  const raster = await decode(input, from);
  const rasterBytes = raster.data.byteLength;
  const afterDecode = lastCall(CODEC[from].decoder) + input.byteLength + rasterBytes;
  const oriented = orient(raster, 6); // the worst case: a second full-size raster
  const duringOrient = input.byteLength + 2 * rasterBytes;
  const out = to === "avif" ? await lossyEncoder("avif", 0, true, oriented.opaque).encode(oriented, 80) : await encode(oriented, { format: to, quality: 80, progressive: true });
  // PNG is encoded in JS (png-writer): its working set is the deflate stream plus a few rows.
  const encoderBytes = to === "png" ? 0 : lastCall(CODEC[to].encoder);
  const duringEncode = encoderBytes + input.byteLength + rasterBytes + out.byteLength;
  return Math.max(afterDecode, duringOrient, duringEncode);
}

/** A 4:3 size of at most `pixels`. */
function size(pixels: number): [number, number] {
  const width = Math.floor(Math.sqrt((pixels * 4) / 3));
  return [width, Math.floor(pixels / width)];
}

describe("memory at the pixel limits", () => {
  const config = settings(testEnv);
  for (const from of ["jpeg", "png", "avif"] as const) {
    it(`${from} input at the limit into every output format stays under ${BUDGET / MiB} MiB`, async () => {
      const peaks: string[] = [];
      let worst = 0;
      for (const to of ["jpeg", "png", "webp", "avif"] as const) {
        // AVIF output has its own, lower limit: its encoder needs ~26 MiB per megapixel.
        const [width, height] = size(to === "avif" ? Math.min(config.maxInputPixels, config.maxAvifOutputPixels) : config.maxInputPixels);
        const input = await encode(syntheticPhoto(width, height), { format: from, quality: 90, progressive: false });
        const peak = await peakOf(input, from, to);
        peaks.push(`${to} at ${width}×${height}: ${(peak / MiB).toFixed(1)} MiB`);
        worst = Math.max(worst, peak);
      }
      console.log(`${from} input → ${peaks.join("; ")}`);
      expect(worst).toBeLessThan(BUDGET);
    }, 180_000); // four encodes at the limits: AVIF input takes ~60 s on a loaded 2-core machine
  }
});
