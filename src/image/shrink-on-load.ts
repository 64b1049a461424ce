/**
 * Shrink-on-load: a JPEG that is about to be reduced a lot is decoded directly at 1/2, 1/4 or 1/8
 * of its size with libjpeg's scaled IDCT (jpeg-turbo.ts), which costs a fraction of a full decode
 * in time and memory. The resize or scale step then does the rest of the reduction with Lanczos3.
 * Used only when nothing before the resize depends on full-resolution coordinates (no crop, no
 * rotate); flip and EXIF orientation are scale-invariant.
 */
import type { RequestPlan } from "../request/document";
import type { ScaleDenominator } from "./codecs/jpeg-turbo";
import type { ProbeResult } from "./probe";
import { resizeLayout, scaleLayout } from "./resize-layout";
import { orientedSize } from "./steps/orient";

/** The largest denominator that still leaves the resampler some reduction (never an enlargement). */
export function jpegShrink(info: ProbeResult, plan: RequestPlan): ScaleDenominator {
  if (info.format !== "jpeg" || plan.crop || plan.rotate) return 1;
  const [width, height] = orientedSize(info.width, info.height, info.orientation);
  const layout = plan.resize ? resizeLayout(width, height, plan.resize) : plan.scale ? scaleLayout(width, height, plan.scale) : undefined;
  if (!layout) return 1;
  const ratio = Math.min(layout.source.width / layout.width, layout.source.height / layout.height);
  // Strictly more: at exactly 2× the DCT scaling would do the whole reduction (sharp does not either).
  for (const denominator of [8, 4, 2] as const) if (ratio > denominator) return denominator;
  return 1;
}
