/**
 * Shrink-on-load: a JPEG that is about to be reduced is decoded directly at m/8 of its size with
 * libjpeg's scaled IDCT (jpeg-turbo.ts), which costs a fraction of a full decode in time and
 * memory. The resize or scale step then does the rest of the reduction with Lanczos3. libvips
 * (sharp) stops at 1/2, 1/4 and 1/8; here the other eighths are used too, the smallest that still
 * leaves a reduction: a 3840×2400 photo going to 1200 px decodes at 3/8 (1440×900) rather than
 * 4/8 (1920×1200) in about the same time, and the resampler gets 44 % fewer pixels; a 1920×1080
 * one going to 600 px high decodes at 5/8 instead of in full, in about half the time. 7/8 is
 * left out: its 7×7 IDCT is plain C while the full-size 8×8 one has SIMD (wasm/jpeg), so it
 * decodes slower than 8/8. Each m/8 decode is as close to a Lanczos3 reduction of the full decode
 * as 1/2 is (SSIM ≥ 0.985, test/worker/jpeg-turbo.test.ts).
 * Used only when nothing before the resize depends on full-resolution coordinates (no crop, no
 * rotate); flip and EXIF orientation are scale-invariant. Crop-on-load (jpegWindow, below) then
 * decodes only the part of the image a `fit` resize keeps.
 */
import type { RequestPlan } from "../request/document";
import { isContentGravity } from "../request/gravity";
import type { Region } from "./canvas";
import { JPEG_SCALES, scaledSize, type JpegScale } from "./codecs/jpeg-turbo";
import type { ProbeResult } from "./probe";
import { resizeLayout, scaleLayout, toDecoded } from "./resize-layout";
import { orientedSize } from "./steps/orient";

/** The scales shrink-on-load decodes at, smallest first. */
export const SHRINK_SCALES: readonly JpegScale[] = JPEG_SCALES.filter((scale) => scale !== 0.875);

/** The smallest scale that still leaves the resampler some reduction (never an enlargement). */
export function jpegShrink(info: ProbeResult, plan: RequestPlan): JpegScale {
  if (info.format !== "jpeg" || plan.crop || plan.rotate) return 1;
  const [width, height] = orientedSize(info.width, info.height, info.orientation);
  const layout = plan.resize ? resizeLayout(width, height, plan.resize) : plan.scale ? scaleLayout(width, height, plan.scale) : undefined;
  if (!layout) return 1;
  const ratio = Math.min(layout.source.width / layout.width, layout.source.height / layout.height);
  // Strictly more: at exactly 8/m the DCT scaling would do the whole reduction (sharp does not either).
  return SHRINK_SCALES.find((scale) => ratio * scale > 1) ?? 1;
}

/**
 * Decoded pixels kept around a window on each side: at a window's edges chroma upsampling sees the
 * cut as the image's border, so the pixels there differ from a whole decode's (by one or two).
 */
const WINDOW_MARGIN = 4;

/**
 * Crop-on-load: when the first thing done to a JPEG's pixels is a resize that keeps only part of
 * the image (`fit` cuts the sides or the top and bottom), only that region, with a margin, is
 * decoded (jpeg-turbo.ts decodeWindow); the result is the same as cutting it from a whole decode.
 * A 3840×2400 photo cut to a square decodes 62 % of its columns. Not when anything before the
 * resize moves pixels (EXIF orientation, flip, rotate, crop) or when the gravity looks at the whole
 * image (face, faces, auto). Returns the window in the pixels of the image decoded at `scale`.
 */
export function jpegWindow(info: ProbeResult, plan: RequestPlan, scale: JpegScale): Region | undefined {
  const resize = plan.resize;
  if (info.format !== "jpeg" || info.orientation !== 1 || plan.flip || plan.rotate || plan.crop || !resize) return undefined;
  if (isContentGravity(resize.gravity)) return undefined;
  const { source } = resizeLayout(info.width, info.height, resize);
  if (source.width === info.width && source.height === info.height) return undefined;
  const decoded = scaledSize(info.width, info.height, scale);
  const region = toDecoded(source, decoded, scale);
  const x = Math.max(0, region.x - WINDOW_MARGIN);
  const y = Math.max(0, region.y - WINDOW_MARGIN);
  const right = Math.min(decoded.width, region.x + region.width + WINDOW_MARGIN);
  const bottom = Math.min(decoded.height, region.y + region.height + WINDOW_MARGIN);
  return { x, y, width: right - x, height: bottom - y };
}
