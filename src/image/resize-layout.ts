/**
 * The arithmetic of resize and scale: which region of the source is used, what size it is
 * resampled to, and (fill) where it sits on a larger canvas. Pure functions, no pixels.
 */
import { isContentGravity, placeByGravity, type ContentGravity, type Gravity } from "../request/gravity";
import type { ResizePlan } from "../request/resize";
import type { ScalePlan } from "../request/scale";
import type { Region } from "./canvas";


/**
 * What a content gravity (`face`, `faces`, `auto`) found, in source pixels: the kept region is
 * centred on it. Without one (nothing found, or not looked for yet) content gravities act as center.
 */
export interface Focus {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ResizeLayout {
  /** The region of the source that is resampled (whole pixels). */
  source: Region;
  /** The size it is resampled to. */
  width: number;
  height: number;
  /** fill: the final canvas and where the resampled image is placed on it. */
  canvas?: Region;
}

const side = (value: number): number => Math.max(1, Math.round(value));

function whole(width: number, height: number): Region {
  return { x: 0, y: 0, width, height };
}

/** auto: fit inside the given bound(s), keeping the aspect ratio. */
function autoLayout(w: number, h: number, plan: ResizePlan): ResizeLayout {
  const scales = [plan.width !== undefined ? plan.width / w : Infinity, plan.height !== undefined ? plan.height / h : Infinity];
  let scale = Math.min(...scales);
  if (!plan.upscale) scale = Math.min(scale, 1);
  const width = plan.width !== undefined && scale === plan.width / w ? plan.width : side(w * scale);
  const height = plan.height !== undefined && scale === plan.height / h ? plan.height : side(h * scale);
  return { source: whole(w, h), width, height };
}

/** A position along one axis: the region (size) centred on the focus, kept inside the image (full). */
function centredOn(full: number, size: number, focusStart: number, focusSize: number): number {
  const start = Math.round(focusStart + focusSize / 2 - size / 2);
  return Math.max(0, Math.min(full - size, start));
}

/** Where a region goes: by its positional gravity, or centred on the focus of a content gravity. */
function place(gravity: Gravity | ContentGravity, w: number, h: number, width: number, height: number, focus?: Focus): { x: number; y: number } {
  if (!isContentGravity(gravity)) return placeByGravity(gravity, w, h, width, height);
  if (!focus) return placeByGravity("center", w, h, width, height);
  return { x: centredOn(w, width, focus.x, focus.width), y: centredOn(h, height, focus.y, focus.height) };
}

/** The largest region of the source with the aspect ratio aspectW:aspectH, placed by gravity. */
export function regionOfAspect(w: number, h: number, aspectW: number, aspectH: number, gravity: Gravity | ContentGravity, focus?: Focus): Region {
  const byWidth = (w * aspectH) / aspectW <= h;
  const width = byWidth ? w : Math.min(w, side((h * aspectW) / aspectH));
  const height = byWidth ? Math.min(h, side((w * aspectH) / aspectW)) : h;
  return { ...place(gravity, w, h, width, height, focus), width, height };
}

/** fit: cover the box and crop the overflow at gravity. Without upscale, never enlarge. */
function fitLayout(w: number, h: number, plan: ResizePlan, focus?: Focus): ResizeLayout {
  const bw = plan.width!;
  const bh = plan.height!;
  const source = regionOfAspect(w, h, bw, bh, plan.gravity, focus);
  if (!plan.upscale && (source.width < bw || source.height < bh)) {
    return { source, width: source.width, height: source.height };
  }
  return { source, width: bw, height: bh };
}

/** fill: fit inside the box, then pad to exactly the box with the background. */
function fillLayout(w: number, h: number, plan: ResizePlan): ResizeLayout {
  const bw = plan.width!;
  const bh = plan.height!;
  let scale = Math.min(bw / w, bh / h);
  if (!plan.upscale) scale = Math.min(scale, 1);
  const width = Math.min(bw, side(w * scale));
  const height = Math.min(bh, side(h * scale));
  const at = place(plan.gravity, bw, bh, width, height);
  return { source: whole(w, h), width, height, canvas: { ...at, width: bw, height: bh } };
}

/** exact: stretch to the box; without upscale, neither side grows. */
function exactLayout(w: number, h: number, plan: ResizePlan): ResizeLayout {
  const width = plan.upscale ? plan.width! : Math.min(plan.width!, w);
  const height = plan.upscale ? plan.height! : Math.min(plan.height!, h);
  return { source: whole(w, h), width, height };
}

/**
 * A region of the logical image in the coordinates of the decoded one, by the decoder's exact
 * factor: when a side is not a whole number of 8-pixel blocks, the decoded image's last row or
 * column also covers the encoder's padding (451 px at 3/8 are 169.125 px, decoded as 170), and
 * mapping by decoded / logical size would stretch the picture by up to that part of a pixel.
 */
export function toDecoded(region: Region, decoded: { width: number; height: number }, scale: number): Region {
  const x = Math.min(decoded.width - 1, Math.round(region.x * scale));
  const y = Math.min(decoded.height - 1, Math.round(region.y * scale));
  const width = Math.max(1, Math.min(decoded.width - x, Math.round(region.width * scale)));
  const height = Math.max(1, Math.min(decoded.height - y, Math.round(region.height * scale)));
  return { x, y, width, height };
}

/** `focus`: what a content gravity found (fit only), in the same pixels as w × h. */
export function resizeLayout(w: number, h: number, plan: ResizePlan, focus?: Focus): ResizeLayout {
  switch (plan.mode) {
    case "auto":
      return autoLayout(w, h, plan);
    case "fit":
      return fitLayout(w, h, plan, focus);
    case "fill":
      return fillLayout(w, h, plan);
    case "exact":
      return exactLayout(w, h, plan);
  }
}

export function scaleLayout(w: number, h: number, plan: ScalePlan): ResizeLayout {
  const width = side(w * plan.size);
  const height = plan.ratio !== undefined ? side(width * plan.ratio) : side(h * plan.size);
  return { source: whole(w, h), width, height };
}
