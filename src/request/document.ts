/**
 * The request document, validated once at the edge into a typed plan. Unknown top-level keys,
 * wrong types and out-of-range values are 422s naming the parameter; null (or an empty `url` in an
 * upload) means "not given".
 */
import { badRequest, unprocessable } from "../errors";
import { parseAdjust, type AdjustPlan } from "./adjust";
import { parseAuto, type AutoPlan } from "./auto";
import { parseBorder, type BorderPlan } from "./border";
import { parseCrop, type CropPlan } from "./crop";
import { onlyKeys, optionalEnum, sectionOf, type Section } from "./fields";
import { parseFilter, type FilterPlan } from "./filter";
import { parseFlip, type FlipPlan } from "./flip";
import { parseMask, type MaskPlan } from "./mask";
import { parseOutput, type OutputPlan } from "./output";
import { parsePadding, type PaddingPlan } from "./padding";
import { parseResize, type ResizePlan } from "./resize";
import { parseRotate, type RotatePlan } from "./rotate";
import { parseScale, type ScalePlan } from "./scale";
import { parseWatermark, type WatermarkPlan } from "./watermark";

export type Compression = "lossless" | "low" | "medium" | "high";

export interface RequestPlan {
  url?: string;
  headers?: unknown;
  optimize?: { compression: Compression };
  flip?: FlipPlan;
  rotate?: RotatePlan;
  crop?: CropPlan;
  resize?: ResizePlan;
  scale?: ScalePlan;
  auto?: AutoPlan;
  adjust?: AdjustPlan;
  /** `filter`, or its alias `stylize`. */
  filter?: FilterPlan;
  mask?: MaskPlan;
  border?: BorderPlan;
  padding?: PaddingPlan;
  watermark?: WatermarkPlan;
  output: OutputPlan;
  /** `response.mode` is "binary" (the X-Optidash-Binary header is the other switch). */
  binary: boolean;
}

const TOP_LEVEL = [
  "url", "headers", "optimize", "resize", "scale", "crop", "flip", "rotate", "watermark", "mask", "filter", "stylize",
  "adjust", "auto", "border", "padding", "output", "response", "webhook", "store", "cdn",
] as const;

/** Operations of the spec this server does not perform yet: refused rather than silently ignored. */
const NOT_YET = ["webhook", "store"];

function parseOptimize(value: unknown): RequestPlan["optimize"] {
  const section = sectionOf(value, "optimize");
  if (!section) return undefined;
  onlyKeys(section, "optimize", ["compression"]);
  const compression = optionalEnum(section, "optimize", "compression", ["lossless", "low", "medium", "high"] as const);
  return compression ? { compression } : undefined;
}

function parseResponse(value: unknown): boolean {
  const section = sectionOf(value, "response");
  if (!section) return false;
  onlyKeys(section, "response", ["mode"]);
  return optionalEnum(section, "response", "mode", ["json", "binary"] as const) === "binary";
}

function parseCdn(value: unknown): void {
  const section = sectionOf(value, "cdn");
  if (!section) return;
  onlyKeys(section, "cdn", ["push"]);
  // No CDN base URL is configured on this deployment, so every output is temporary either way.
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** An operation section that asks for something: not null and not an empty object. */
function asksFor(value: unknown): boolean {
  return given(value) && !(typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0);
}

export function parseDocument(raw: unknown, endpoint: "upload" | "fetch"): RequestPlan {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw badRequest("The request document must be a JSON object.");
  const doc = raw as Section;
  for (const key of Object.keys(doc)) {
    if (!(TOP_LEVEL as readonly string[]).includes(key)) throw unprocessable(`Unknown parameter '${key}'`);
  }
  for (const key of NOT_YET) {
    if (asksFor(doc[key])) throw unprocessable(`The '${key}' operation is not available on this server yet`);
  }
  const plan: RequestPlan = {
    optimize: parseOptimize(doc.optimize),
    flip: parseFlip(doc.flip),
    rotate: parseRotate(doc.rotate),
    crop: parseCrop(doc.crop),
    resize: parseResize(doc.resize),
    scale: parseScale(doc.scale),
    auto: parseAuto(doc.auto),
    adjust: parseAdjust(doc.adjust),
    filter: parseFilter(doc.filter, doc.stylize),
    mask: parseMask(doc.mask),
    border: parseBorder(doc.border),
    padding: parsePadding(doc.padding),
    watermark: parseWatermark(doc.watermark),
    output: parseOutput(doc.output),
    binary: parseResponse(doc.response),
  };
  if (plan.resize && plan.scale) throw unprocessable("Use either 'resize' or 'scale', not both");
  parseCdn(doc.cdn);
  const url = doc.url;
  if (endpoint === "fetch") {
    if (!given(url) || url === "") throw badRequest("Missing 'url': /1.0/fetch needs the URL of the image to process.");
    plan.url = url as string;
    plan.headers = doc.headers ?? undefined;
  } else {
    if (given(url) && url !== "") throw unprocessable("The 'url' parameter belongs to /1.0/fetch; /1.0/upload takes the image in the 'file' part");
    if (given(doc.headers)) throw unprocessable("The 'headers' parameter belongs to /1.0/fetch");
  }
  return plan;
}
