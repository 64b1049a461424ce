/**
 * The ordered list of pipeline steps: the only place the order of operations lives (spec §3):
 * decode → auto-orient (EXIF) → flip → rotate → crop → resize or scale → auto → adjust → filter →
 * mask → border → padding → watermark → encode/optimize. Each step returns its input unchanged
 * when the request does not ask for it, and a new raster when it changes pixels: never the input
 * modified in place, because the encoder treats "the same raster came out" as "the source's pixels
 * are untouched" (never-grow, lossless JPEG transcoding). Faces are looked for only by the steps
 * that need them (crop `face`, resize gravities `face`, `faces`, `auto`); once found they follow
 * the image through every later step that moves pixels, so they end in output pixels.
 */
import type { RequestPlan } from "../request/document";
import type { CanvasLimits } from "./canvas";
import type { Detection } from "./faces/decode";
import { moveFaces } from "./faces/focus";
import type { ProbeResult } from "./probe";
import type { Raster } from "./raster";
import { adjust } from "./steps/adjust";
import { autoEnhance } from "./steps/auto";
import { border } from "./steps/border";
import { crop, faceCrop } from "./steps/crop";
import { filter } from "./steps/filter";
import { flip } from "./steps/flip";
import { mask } from "./steps/mask";
import { orient } from "./steps/orient";
import { padding } from "./steps/padding";
import { resize, type LogicalSize } from "./steps/resize";
import { rotate } from "./steps/rotate";
import { scale } from "./steps/scale";
import { watermark } from "./steps/watermark";

export interface StepContext {
  plan: RequestPlan;
  input: ProbeResult;
  limits: CanvasLimits;
  /**
   * Set when the input was decoded smaller than it is (shrink-on-load) or only in part
   * (crop-on-load): its oriented full size, the decoder's exact factor (m/8) and, for a part, where
   * the raster sits in the whole decoded image.
   */
  logicalSize?: LogicalSize;
  /** Faces found (in the current image's pixels), once a step looked for them; else undefined. */
  faces?: Detection[];
}

export interface Step {
  name: string;
  run(image: Raster, ctx: StepContext): Raster | Promise<Raster>;
}

type Operation = "flip" | "rotate" | "auto" | "adjust" | "filter" | "mask";

/** A step that runs only when the request document asks for its operation. */
function when<K extends Operation>(
  name: K,
  run: (image: Raster, plan: NonNullable<RequestPlan[K]>, limits: CanvasLimits) => Raster | Promise<Raster>,
): Step {
  return {
    name,
    run: (image, ctx) => {
      const plan = ctx.plan[name];
      return plan ? run(image, plan, ctx.limits) : image;
    },
  };
}

/** Steps that grow the canvas move the faces found earlier by their left and top margins. */
function shiftFaces(ctx: StepContext, x: number, y: number): void {
  if (ctx.faces) ctx.faces = moveFaces(ctx.faces, { offset: { x, y } });
}

function cropStep(image: Raster, ctx: StepContext): Raster | Promise<Raster> {
  const plan = ctx.plan.crop;
  if (!plan) return image;
  return plan.mode === "face" ? faceCrop(image, plan, ctx) : crop(image, plan, ctx);
}

function borderStep(image: Raster, ctx: StepContext): Raster {
  const plan = ctx.plan.border;
  if (!plan) return image;
  shiftFaces(ctx, plan.size, plan.size);
  return border(image, plan, ctx.limits);
}

function paddingStep(image: Raster, ctx: StepContext): Raster {
  const plan = ctx.plan.padding;
  if (!plan) return image;
  shiftFaces(ctx, plan.left, plan.top);
  return padding(image, plan, ctx.limits);
}

export const STEPS: readonly Step[] = [
  { name: "orient", run: (image, ctx) => orient(image, ctx.input.orientation) },
  when("flip", flip),
  when("rotate", rotate),
  { name: "crop", run: cropStep },
  { name: "resize", run: (image, ctx) => (ctx.plan.resize ? resize(image, ctx.plan.resize, ctx) : image) },
  { name: "scale", run: (image, ctx) => (ctx.plan.scale ? scale(image, ctx.plan.scale, ctx) : image) },
  when("auto", autoEnhance),
  when("adjust", adjust),
  when("filter", filter),
  when("mask", mask),
  { name: "border", run: borderStep },
  { name: "padding", run: paddingStep },
  { name: "watermark", run: (image, ctx) => (ctx.plan.watermark ? watermark(image, ctx.plan.watermark) : image) },
];

export async function runPipeline(image: Raster, ctx: StepContext): Promise<Raster> {
  let current = image;
  for (const step of STEPS) current = await step.run(current, ctx);
  return current;
}
