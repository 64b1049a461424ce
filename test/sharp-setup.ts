/**
 * Runs in Node before the workerd tests: reference resizes by sharp (libvips) for
 * test/worker/resample.test.ts, handed over as base64 raw RGBA through provide/inject.
 *
 * Every source is decoded by sharp to raw RGBA first, so sharp resizes exactly the pixels our
 * resampler gets (no shrink-on-load, which only applies when sharp decodes a JPEG itself), with
 * `kernel: "lanczos3"` and `fit: "fill"` (exact size, like our resize()).
 *
 * Upscaling: libvips does not use Lanczos3 there but a bicubic (Catmull-Rom) affine transform whose
 * sample grid sits half an output pixel left of/above the centred grid (output x samples input
 * x / scale - 0.5, measured on an impulse). Our resampler keeps the centred grid
 * ((x + 0.5) * scale - 0.5, like pillow), so for upscales a second reference is given too: sharp's
 * bicubic affine on the centred grid (idx/idy 0.5, odx/ody -0.5). Its outermost pixels are blended
 * with the affine's background, so tests compare it away from the border.
 */
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";
import type { TestProject } from "vitest/node";
import type { SharpCase, SharpTarget } from "./shared/sharp-cases";


/** Fixture → target sizes: down by 3.2 and 3 (no pre-shrink), 5 and 10 (pre-shrink), stretch, up. */
const CASES: Record<string, [number, number][]> = {
  "rocket.jpg": [[200, 133], [213, 142], [320, 100]],
  "astronaut.jpg": [[160, 160], [350, 350], [51, 51]],
  "chelsea.jpg": [[1000, 665]],
  "coffee.png": [[120, 80], [30, 20]],
  "logo.png": [[83, 83]],
};

type Raw = { data: Buffer; width: number; height: number };

async function decode(file: string): Promise<Raw> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function rawInput(src: Raw): Sharp {
  return sharp(src.data, { raw: { width: src.width, height: src.height, channels: 4 } });
}

async function resized(src: Raw, width: number, height: number): Promise<string> {
  const data = await rawInput(src).resize(width, height, { kernel: "lanczos3", fit: "fill" }).raw().toBuffer();
  return data.toString("base64");
}

async function resizedJpeg(src: Raw, width: number, height: number): Promise<string> {
  const jpeg = await rawInput(src).resize(width, height, { kernel: "lanczos3", fit: "fill" }).jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: "4:2:0" }).toBuffer();
  return (await sharp(jpeg).ensureAlpha().raw().toBuffer()).toString("base64");
}

/** Bicubic affine on the centred grid, cropped to width × height. */
async function centred(src: Raw, width: number, height: number): Promise<string> {
  const matrix: [[number, number], [number, number]] = [[width / src.width, 0], [0, height / src.height]];
  const options = { idx: 0.5, idy: 0.5, odx: -0.5, ody: -0.5, interpolator: sharp.interpolators.bicubic };
  const { data, info } = await rawInput(src).affine(matrix, options).raw().toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) data.copy(out, y * width * 4, y * info.width * 4, y * info.width * 4 + width * 4);
  return out.toString("base64");
}

function isOpaque(data: Buffer): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return false;
  return true;
}

async function reference(dir: string, name: string, sizes: [number, number][]): Promise<SharpCase> {
  const src = await decode(join(dir, name));
  const targets: SharpTarget[] = [];
  for (const [width, height] of sizes) {
    const upscale = width > src.width || height > src.height;
    targets.push({
      width,
      height,
      resized: await resized(src, width, height),
      jpeg: await resizedJpeg(src, width, height),
      ...(upscale ? { centred: await centred(src, width, height) } : {}),
    });
  }
  return { name, width: src.width, height: src.height, source: src.data.toString("base64"), opaque: isOpaque(src.data), targets };
}

export default async function setup(project: TestProject): Promise<void> {
  sharp.cache(false);
  const dir = join(import.meta.dirname, "fixtures");
  const cases: SharpCase[] = [];
  for (const [name, sizes] of Object.entries(CASES)) cases.push(await reference(dir, name, sizes));
  project.provide("sharpResizes", cases);
}
