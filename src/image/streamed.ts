/**
 * The route for inputs whose decoded raster is over the whole-raster limit (maxInputPixels): the
 * image never exists whole, only as strips from its decoder to its encoder, the way libvips runs.
 * It serves what can be done on strips: EXIF orientation 1, a resize or scale (not to a content
 * gravity, not onto a `fill` canvas), flattening, colour conversion, the encode. Orientations 2–8
 * need the image turned, which the strips cannot do: the decoder's strips are written into one
 * oriented raster (maxOrientedPixels), and the resize runs on it as it always did.
 *
 * Invariant: a request served here gives the same pixels it would give on the whole-raster route
 * (the strip resampler, orientation and colour conversion are byte-identical to theirs).
 */
import type { Settings } from "../config";
import { ApiError } from "../errors";
import type { RequestPlan } from "../request/document";
import { isContentGravity } from "../request/gravity";
import type { Region } from "./canvas";
import { scaledSize, type JpegScale } from "./codecs/jpeg-turbo";
import { inputStrips } from "./input-strips";
import { runPipeline, type StepContext } from "./pipeline";
import type { ProbeResult } from "./probe";
import { resizeStrips } from "./resample";
import { resizeLayout, scaleLayout, toDecoded, type ResizeLayout } from "./resize-layout";
import { jpegShrink, jpegWindow } from "./shrink-on-load";
import { orientedSize, orientStrips } from "./steps/orient";
import { cropStrips, rasterStrips, type StripSource } from "./strips";

/** Operations the whole-raster route alone can do. */
const WHOLE_RASTER_STEPS = ["flip", "rotate", "crop", "auto", "adjust", "filter", "mask", "border", "padding", "watermark"] as const;

/** The operations of `plan` that need the whole raster ([] when the streamed route can serve it). */
export function wholeRasterSteps(plan: RequestPlan): string[] {
  const steps: string[] = WHOLE_RASTER_STEPS.filter((step) => plan[step] !== undefined);
  if (plan.resize && isContentGravity(plan.resize.gravity)) steps.push(`resize with gravity '${plan.resize.gravity}'`);
  if (plan.resize && plan.resize.mode === "fill") steps.push("resize of type 'fill'");
  return steps;
}

/** The decoder's scale and window for this request (as the whole-raster route decodes). */
export function decodePlan(info: ProbeResult, plan: RequestPlan): { scale: JpegScale; window?: Region } {
  const scale = jpegShrink(info, plan);
  return { scale, window: jpegWindow(info, plan, scale) };
}

/** Pixels of the raster a decode at `scale` makes. */
export function decodedPixels(info: ProbeResult, scale: JpegScale): number {
  const size = info.format === "jpeg" ? scaledSize(info.width, info.height, scale) : info;
  return size.width * size.height;
}

export interface StreamedImage {
  picture: StripSource;
  /** The source's own pixels, untouched (full size, no conversion, no resize). */
  exact: boolean;
}

/** The request's image, ready for the encoder, without a whole raster (orientation 1). */
export async function streamedImage(bytes: Uint8Array, info: ProbeResult, plan: RequestPlan, settings: Settings): Promise<StreamedImage> {
  const { scale, window } = decodePlan(info, plan);
  const { source, converted } = await inputStrips(bytes, info, scale, window);
  if (info.orientation !== 1 && info.orientation >= 2 && info.orientation <= 8) return orientedImage(source, info, plan, settings, scale);
  const layout = plan.resize ? resizeLayout(info.width, info.height, plan.resize) : plan.scale ? scaleLayout(info.width, info.height, plan.scale) : undefined;
  if (!layout) return { picture: source, exact: scale === 1 && !window && !converted };
  const region = decodedRegion(layout, info, scale, window);
  const picture = layout.width === region.width && layout.height === region.height ? cropStrips(source, region) : resizeStrips(source, layout.width, layout.height, { region });
  return { picture, exact: false };
}

/** The layout's source region in the decoder's pixels (scaled, and relative to the window). */
function decodedRegion(layout: ResizeLayout, info: ProbeResult, scale: JpegScale, window?: Region): Region {
  const whole = info.format === "jpeg" ? scaledSize(info.width, info.height, scale) : { width: info.width, height: info.height };
  const region = toDecoded(layout.source, whole, scale);
  return window ? { ...region, x: region.x - window.x, y: region.y - window.y } : region;
}

/**
 * EXIF orientation 2–8: the strips are written into one oriented raster, then the rest of the
 * request runs on it through the usual steps (orientation already applied).
 */
async function orientedImage(source: StripSource, info: ProbeResult, plan: RequestPlan, settings: Settings, scale: JpegScale): Promise<StreamedImage> {
  const oriented = await orientStrips(source, info.orientation);
  const [width, height] = orientedSize(info.width, info.height, info.orientation);
  const ctx: StepContext = {
    plan,
    input: { ...info, orientation: 1 },
    limits: { maxPixels: settings.maxOutputPixels },
    logicalSize: scale === 1 ? undefined : { width, height, scale },
  };
  const image = await runPipeline(oriented, ctx);
  return { picture: rasterStrips(image), exact: false };
}

/** Refuses, before decoding, a large input the streamed route cannot serve. */
export function checkStreamable(info: ProbeResult, plan: RequestPlan, settings: Settings, decoded: number): void {
  const steps = wholeRasterSteps(plan);
  const [width, height] = orientedSize(info.width, info.height, info.orientation);
  const size = `The image is ${width}×${height} (${width * height} pixels)`;
  if (steps.length > 0) {
    throw new ApiError(
      422,
      `${size}; this server runs ${steps.join(", ")} on images of at most ${settings.maxInputPixels} pixels as decoded, and this one decodes to ${decoded}. ` +
        "Resize it first (a separate request), or ask only for resize, scale and output options, which work on larger images.",
    );
  }
  if (info.orientation >= 2 && info.orientation <= 8 && decoded > settings.maxOrientedPixels) {
    throw new ApiError(
      422,
      `${size} with EXIF orientation ${info.orientation}; turning it needs the whole image, which this server does for at most ${settings.maxOrientedPixels} pixels as decoded, and this one decodes to ${decoded}. Ask for a smaller output with a resize.`,
    );
  }
}
