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
import { decodeWindow, scaledSize, type DecodedWindow } from "./codecs/jpeg-turbo";
import { jpegShrink, jpegWindow } from "./shrink-on-load";
import { orientedSize } from "./steps/orient";
import { probe, sha1Hex, type ImageFormat, type ProbeResult } from "./probe";
import { flatten, flattenStrips } from "./steps/flatten";
import type { LogicalSize } from "./steps/resize";
import type { Raster } from "./raster";
import { decode } from "./transcode";
import { encodeOutput, type Encoded, type OutputRequest } from "./optimize";
import { holdBytes } from "./memory-meter";
import { rasterOf, type StripSource } from "./strips";
import { checkStreamable, decodedPixels, decodePlan, streamedImage } from "./streamed";
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
 * Pixel limits, from the header before decoding: the input within its format's limit, and, when the
 * raster the decoder would make (a JPEG may shrink on load) is over maxInputPixels, a request the
 * streamed route can serve.
 */
export function checkPixels(info: ProbeResult, plan: RequestPlan, settings: Settings): void {
  const pixels = info.width * info.height;
  const limit = inputPixelLimit(info, settings);
  if (pixels > limit) {
    const which = limit === settings.maxInputPixels ? "" : ` for ${FORMATS[info.format].name}`;
    throw new ApiError(422, `The image is ${info.width}×${info.height} (${pixels} pixels), over this server's limit${which} of ${limit} pixels.`);
  }
  if (info.format === "webp" && Math.max(info.width, info.height) > WEBP_MAX_SIDE) {
    throw new ApiError(422, `The image is ${info.width}×${info.height}; WebP images are at most ${WEBP_MAX_SIDE} pixels a side.`);
  }
  const decoded = decodedPixels(info, decodePlan(info, plan).scale);
  if (decoded > settings.maxInputPixels) checkStreamable(info, plan, settings, decoded);
}

/** WebP's own limit (the format stores 14-bit sizes). */
const WEBP_MAX_SIDE = 16383;

/** JPEG, PNG and WebP decode strip by strip: they may be far larger than a whole raster may be. */
function inputPixelLimit(info: ProbeResult, settings: Settings): number {
  const streamed = info.format === "jpeg" || info.format === "png" || info.format === "webp";
  return streamed ? Math.max(settings.maxLargeInputPixels, settings.maxInputPixels) : settings.maxInputPixels;
}

/** Whether this request decodes to more than a whole raster may hold (the streamed route). */
function isLarge(info: ProbeResult, plan: RequestPlan, settings: Settings): boolean {
  return decodedPixels(info, decodePlan(info, plan).scale) > settings.maxInputPixels;
}

/**
 * Output limits: AVIF's encoder needs the most memory (MAX_AVIF_OUTPUT_PIXELS); outputs of the
 * streamed route are limited by what their encoder holds (MAX_OUTPUT_PIXELS).
 */
function checkOutputPixels(format: EncodableFormat | "best", width: number, height: number, settings: Settings, large: boolean): void {
  const pixels = width * height;
  if (format === "avif" && pixels > settings.maxAvifOutputPixels) {
    throw new ApiError(
      422,
      `AVIF output is limited to ${settings.maxAvifOutputPixels} pixels on this server and this one would be ${width}×${height} (${pixels}); resize it or choose another output format.`,
    );
  }
  if (large && pixels > settings.maxOutputPixels) {
    throw new ApiError(
      422,
      `Outputs of large images are limited to ${settings.maxOutputPixels} pixels on this server and this one would be ${width}×${height} (${pixels}); resize it (for example to a width of ${Math.floor(Math.sqrt((settings.maxOutputPixels * width) / height))}).`,
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

/**
 * Runs decode → pipeline → encode/optimise on the whole-raster route or the streamed one. The input
 * bytes and the result are counted by the memory meter while the work runs.
 */
async function render(source: Source, info: ProbeResult, plan: RequestPlan, settings: Settings, format: EncodableFormat | "best"): Promise<Encoded & { faces?: FaceFact[] }> {
  const release = holdBytes(source.bytes.byteLength);
  try {
    const encoded = await (isLarge(info, plan, settings) ? renderStreamed(source, info, plan, settings, format) : renderRaster(source, info, plan, settings, format));
    if (encoded.bytes !== source.bytes) holdBytes(encoded.bytes.byteLength)();
    return encoded;
  } finally {
    release();
  }
}

/** The streamed route (streamed.ts): strips from the decoder to the encoder. */
async function renderStreamed(source: Source, info: ProbeResult, plan: RequestPlan, settings: Settings, format: EncodableFormat | "best"): Promise<Encoded> {
  const streamed = await streamedImage(source.bytes, info, plan, settings);
  let picture = streamed.picture;
  const release = holdRaster(picture);
  try {
    checkOutputPixels(format, picture.width, picture.height, settings, true);
    if (format === "jpeg") picture = flattenStrips(picture, plan.output.background);
    return await encodeOutput(picture, outputRequest(plan, format, picture.width * picture.height <= settings.maxAvifOutputPixels, streamed.exact ? source : undefined, info));
  } finally {
    release();
  }
}

/** Counts the whole raster behind a picture (the oriented route's), if there is one. */
function holdRaster(picture: StripSource): () => void {
  const raster = rasterOf(picture);
  return holdBytes(raster ? raster.data.byteLength : 0);
}

function outputRequest(plan: RequestPlan, format: EncodableFormat | "best", avifAllowed: boolean, untouched: Source | undefined, info: ProbeResult): OutputRequest {
  return {
    format,
    quality: plan.output.quality,
    compression: plan.optimize?.compression ?? "medium",
    progressive: plan.output.progressive,
    avifAllowed,
    untouched: untouched ? { bytes: untouched.bytes, format: info.format } : undefined,
  };
}

/** The whole-raster route: decode → pipeline → encode/optimise; `untouched` when no step changed the source's pixels. */
async function renderRaster(source: Source, info: ProbeResult, plan: RequestPlan, settings: Settings, format: EncodableFormat | "best"): Promise<Encoded & { faces?: FaceFact[] }> {
  const decoded = await decodeInput(source.bytes, info, plan);
  const releaseDecoded = holdBytes(decoded.image.data.byteLength);
  const ctx: StepContext = { plan, input: info, limits: { maxPixels: settings.maxInputPixels }, logicalSize: decoded.logicalSize };
  let image = await runPipeline(decoded.image, ctx);
  const releaseResult = holdBytes(image === decoded.image ? 0 : image.data.byteLength);
  try {
    const faces = faceFacts(ctx, image);
    const untouched = decoded.exact && image === decoded.image;
    checkOutputPixels(format, image.width, image.height, settings, false);
    if (format === "jpeg") image = flatten(image, plan.output.background);
    const encoded = await encodeOutput(image, outputRequest(plan, format, image.width * image.height <= settings.maxAvifOutputPixels, untouched ? source : undefined, info));
    return { ...encoded, faces };
  } finally {
    releaseResult();
    releaseDecoded();
  }
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
