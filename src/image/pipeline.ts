/**
 * The ordered list of pipeline steps: the only place the order of operations lives (spec §3):
 * decode → auto-orient (EXIF) → flip → rotate → crop → resize or scale → auto → adjust → filter →
 * mask → border → padding → watermark → encode/optimize. Each step returns its input unchanged
 * when the request does not ask for it.
 */
import type { RequestPlan } from "../request/document";
import type { ProbeResult } from "./probe";
import type { Raster } from "./raster";
import { orient } from "./steps/orient";

export interface StepContext {
  plan: RequestPlan;
  input: ProbeResult;
}

export interface Step {
  name: string;
  run(image: Raster, ctx: StepContext): Raster | Promise<Raster>;
}

export const STEPS: readonly Step[] = [{ name: "orient", run: (image, ctx) => orient(image, ctx.input.orientation) }];

export async function runPipeline(image: Raster, ctx: StepContext): Promise<Raster> {
  let current = image;
  for (const step of STEPS) current = await step.run(current, ctx);
  return current;
}
