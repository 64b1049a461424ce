/**
 * One image from source bytes to output bytes: probe, limits, decode, the pipeline, encode, and the
 * facts of input and output that the response document reports.
 */
import type { Settings } from "../config";
import { ApiError } from "../errors";
import type { RequestPlan } from "../request/document";
import type { EncodableFormat } from "../request/output";
import { FORMATS, renameFor } from "./formats";
import { applyEmbeddedProfile } from "./icc";
import { oneAtATime } from "./one-at-a-time";
import { clipFaces } from "./faces/focus";
import { runPipeline, type StepContext } from "./pipeline";
import { decodeWindow, scaledSize, type DecodedWindow, type JpegScale } from "./codecs/jpeg-turbo";
import { jpegShrink, jpegWindow, SHRINK_SCALES } from "./shrink-on-load";
import { orientedSize } from "./steps/orient";
import { probe, sha1Hex, type ImageFormat, type ProbeResult } from "./probe";
import { flatten } from "./steps/flatten";
import type { LogicalSize } from "./steps/resize";
import type { Raster } from "./raster";
import { decode } from "./transcode";
import { encodeOutput, type Encoded } from "./optimize";
import { sanitiseName } from "../storage/temp";

/** The fields that `input` and `output` share in the response document (spec §5). */
export interface ImageFacts {
  name: string;
  format: string;
  width: number;
  height: number;
  colorspace: string;
  interlaced: boolean;
  sampling: string | null;
  depth: number;
  quality: number | null;
  bytes: number;
  sha1: string;
}

/** A face box in output pixels (spec §5). */
export interface FaceFact {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

/** `output` also reports the perceptual score of lossy outputs and, when looked for, faces (spec §5). */
export interface OutputFacts extends ImageFacts {
  ssimulacra2?: number;
  faces?: FaceFact[];
}

export interface Processed {
  input: ImageFacts;
  output: OutputFacts;
  bytes: Uint8Array;
  format: EncodableFormat;
  /** Encodes the optimiser spent (not in the response document; for the benchmark and logs). */
  encodes: number;
}

export interface Source {
  bytes: Uint8Array;
  /** From the upload's filename or the URL's last segment; "" when there is none. */
  name: string;
}

async function facts(bytes: Uint8Array, info: ProbeResult, name: string, quality: number | null): Promise<ImageFacts> {
  return {
    name,
    format: FORMATS[info.format].name,
    width: info.width,
    height: info.height,
    colorspace: info.colorspace,
    interlaced: info.interlaced,
    sampling: info.sampling,
    depth: info.depth,
    quality,
    bytes: bytes.byteLength,
    sha1: await sha1Hex(bytes),
  };
}

/**
 * Pixel limits, from the header before decoding: the input within its format's limit, and the
 * raster the decoder will make (a baseline JPEG may shrink on load) within maxInputPixels.
 */
export function checkPixels(info: ProbeResult, plan: RequestPlan, settings: Settings): void {
  const pixels = info.width * info.height;
  const limit = inputPixelLimit(info, settings);
  if (pixels > limit) {
    const which = limit === settings.maxInputPixels ? "" : " for JPEG";
    throw new ApiError(422, `The image is ${info.width}×${info.height} (${pixels} pixels), over this server's limit${which} of ${limit} pixels.`);
  }
  if (pixels <= settings.maxInputPixels) return;
  const decoded = scaledSize(info.width, info.height, jpegShrink(info, plan));
  if (decoded.width * decoded.height > settings.maxInputPixels) throw tooLargeToDecode(info, settings.maxInputPixels);
}

/** Progressive JPEGs hold all their coefficients while decoding: they keep the general limit. */
function inputPixelLimit(info: ProbeResult, settings: Settings): number {
  if (info.format !== "jpeg" || info.interlaced) return settings.maxInputPixels;
  return Math.max(settings.maxJpegInputPixels, settings.maxInputPixels);
}

/** A large JPEG the request would decode over the limit; says how small an output would do. */
function tooLargeToDecode(info: ProbeResult, limit: number): ApiError {
  const [width, height] = orientedSize(info.width, info.height, info.orientation);
  const fits = (scale: JpegScale): boolean => {
    const decoded = scaledSize(width, height, scale);
    return decoded.width * decoded.height <= limit;
  };
  const scale = [...SHRINK_SCALES].reverse().find(fits) ?? SHRINK_SCALES[0]!;
  const size = scaledSize(width, height, scale);
  return new ApiError(
    422,
    `The image is ${width}×${height} (${width * height} pixels); this server decodes at most ${limit} pixels, which a JPEG this large meets only when it is decoded reduced. ` +
      `Ask for a smaller output: a resize (or scale) to less than ${size.width}×${size.height} (${scale * 8}/8 of its size), without crop or rotate.`,
  );
}

/** The AVIF encoder needs ~26 MiB per megapixel: larger AVIF outputs would not fit the isolate. */
function checkOutputPixels(format: EncodableFormat, width: number, height: number, settings: Settings): void {
  const pixels = width * height;
  if (format === "avif" && pixels > settings.maxAvifOutputPixels) {
    throw new ApiError(
      422,
      `AVIF output is limited to ${settings.maxAvifOutputPixels} pixels on this server and this one would be ${width}×${height} (${pixels}); resize it or choose another output format.`,
    );
  }
}

function outputFormat(plan: RequestPlan, input: ImageFormat): EncodableFormat | "best" {
  if (plan.output.format !== "auto") return plan.output.format;
  if (input === "gif") throw new ApiError(422, "GIF output is not supported on this server; ask for another 'format' in 'output'.");
  return input;
}

/**
 * Decodes the input (smaller, when shrink-on-load applies; only the part the resize keeps, when
 * crop-on-load does) and converts it to sRGB. `logicalSize` is the oriented full size a smaller or
 * partial decode stands for; `exact` is true when the raster holds the source's own pixels (full
 * size, no colour conversion).
 */
async function decodeInput(bytes: Uint8Array, info: ProbeResult, plan: RequestPlan): Promise<{ image: Raster; exact: boolean; logicalSize?: LogicalSize }> {
  const shrink = jpegShrink(info, plan);
  const window = jpegWindow(info, plan, shrink);
  const decoded: DecodedWindow = window ? await decodeWindow(bytes, shrink, window) : { image: await decode(bytes, info.format, shrink), left: 0, top: 0 };
  const image = await applyEmbeddedProfile(bytes, info, decoded.image); // outputs carry no profile
  if (shrink === 1 && !window) return { image, exact: image === decoded.image };
  const [width, height] = orientedSize(info.width, info.height, info.orientation);
  const whole = scaledSize(info.width, info.height, shrink);
  const placed = window && { left: decoded.left, top: decoded.top, wholeWidth: whole.width, wholeHeight: whole.height };
  return { image, exact: false, logicalSize: { width, height, scale: shrink, window: placed } };
}

/** Faces that were looked for, clipped to the output and rounded (score to 2 decimals). */
function faceFacts(ctx: StepContext, image: Raster): FaceFact[] | undefined {
  if (!ctx.faces) return undefined;
  return clipFaces(ctx.faces, image.width, image.height).map((f) => {
    const x = Math.round(f.x);
    const y = Math.round(f.y);
    const width = Math.max(1, Math.min(image.width - x, Math.round(f.x + f.width) - x));
    const height = Math.max(1, Math.min(image.height - y, Math.round(f.y + f.height) - y));
    return { x, y, width, height, score: Math.round(f.score * 100) / 100 };
  });
}

/** Runs decode → pipeline → encode/optimise; `untouched` when no step changed the source's pixels. */
async function render(source: Source, info: ProbeResult, plan: RequestPlan, settings: Settings, format: EncodableFormat | "best"): Promise<Encoded & { faces?: FaceFact[] }> {
  const decoded = await decodeInput(source.bytes, info, plan);
  const ctx: StepContext = { plan, input: info, limits: { maxPixels: settings.maxInputPixels }, logicalSize: decoded.logicalSize };
  let image = await runPipeline(decoded.image, ctx);
  const faces = faceFacts(ctx, image);
  const untouched = decoded.exact && image === decoded.image;
  if (format !== "best") checkOutputPixels(format, image.width, image.height, settings);
  if (format === "jpeg") image = flatten(image, plan.output.background);
  const encoded = await encodeOutput(image, {
    format,
    quality: plan.output.quality,
    compression: plan.optimize?.compression ?? "medium",
    progressive: plan.output.progressive,
    avifAllowed: image.width * image.height <= settings.maxAvifOutputPixels,
    untouched: untouched ? { bytes: source.bytes, format: info.format } : undefined,
  });
  return { ...encoded, faces };
}

export async function processImage(source: Source, plan: RequestPlan, settings: Settings, fallbackBase: string): Promise<Processed> {
  const info = probe(source.bytes);
  checkPixels(info, plan, settings);
  const inputName = source.name || `${fallbackBase}.${FORMATS[info.format].extension}`;
  const requested = outputFormat(plan, info.format);
  const encoded = await oneAtATime(() => render(source, info, plan, settings, requested));
  const { bytes, format } = encoded;
  const outInfo = probe(bytes);
  const name = sanitiseName(renameFor(inputName, format), `${fallbackBase}.${FORMATS[format].extension}`);
  const output: OutputFacts = await facts(bytes, outInfo, name, encoded.quality ?? (bytes === source.bytes ? outInfo.quality : null));
  if (encoded.score !== null) output.ssimulacra2 = Math.round(encoded.score * 100) / 100;
  if (encoded.faces) output.faces = encoded.faces;
  return { input: await facts(source.bytes, info, inputName, info.quality), output, bytes, format, encodes: encoded.encodes };
}
