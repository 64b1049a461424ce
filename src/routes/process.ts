/**
 * POST /1.0/upload and POST /1.0/fetch: get the source image, process it, store the output for 24
 * hours and answer with the response document (JSON) or the image itself (binary mode).
 */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware";
import { settings } from "../config";
import type { AppContext, AppEnv } from "../context";
import { processImage, type Source } from "../image/process";
import { FORMATS } from "../image/formats";
import { releaseImages, reserveImages } from "../quota/quota";
import { parseDocument, type RequestPlan } from "../request/document";
import { readJsonObject } from "../request/json-body";
import { fetchSource } from "../source/fetch";
import { readUpload } from "../source/upload";
import { putTemp } from "../storage/temp";
import { openWatermark } from "../storage/watermarks";
import { binaryResponse, successDocument } from "../respond";

export const processRoutes = new Hono<AppEnv>();

/** The X-Optidash-Binary header alone switches to binary (the Java client sends only the header). */
function binaryHeader(c: AppContext): boolean {
  const value = c.req.header("X-Optidash-Binary")?.trim().toLowerCase();
  return value === "1" || value === "true";
}

function outputUrl(c: AppContext, key: string): string {
  const base = settings(c.env).publicBaseUrl || new URL(c.req.url).origin;
  return `${base}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Finds the plan's watermark in the caller's account: an unknown id is a 422 before any image work. */
async function resolveWatermark(c: AppContext, plan: RequestPlan): Promise<void> {
  if (!plan.watermark) return;
  plan.watermark.image = await openWatermark(c.env.OUTPUTS, c.get("caller")!.account.id, plan.watermark.id);
}

async function respond(c: AppContext, source: Source, plan: RequestPlan): Promise<Response> {
  const caller = c.get("caller")!;
  await reserveImages(c.env, caller);
  try {
    const result = await processImage(source, plan, settings(c.env), c.get("requestId"));
    const key = await putTemp(c.env.OUTPUTS, result.output.name, result.bytes, FORMATS[result.format].mime, Date.now());
    const keyState = c.env.KEY_STATE.get(c.env.KEY_STATE.idFromName(caller.key.id));
    await keyState.recordImage(result.input.bytes, result.output.bytes);
    const document = successDocument(c, result, outputUrl(c, key));
    return c.get("binary") ? binaryResponse(document, result.bytes, FORMATS[result.format].mime) : c.json(document);
  } catch (err) {
    await releaseImages(c.env, caller);
    throw err;
  }
}

processRoutes.post("/upload", requireAuth, async (c) => {
  c.set("binary", binaryHeader(c));
  const upload = await readUpload(c.req.raw, settings(c.env));
  const plan = parseDocument(upload.document, "upload");
  if (plan.binary) c.set("binary", true);
  await resolveWatermark(c, plan);
  return respond(c, { bytes: upload.bytes, name: upload.name }, plan);
});

processRoutes.post("/fetch", requireAuth, async (c) => {
  c.set("binary", binaryHeader(c));
  const plan = parseDocument(await readJsonObject(c), "fetch");
  if (plan.binary) c.set("binary", true);
  await resolveWatermark(c, plan);
  const fetched = await fetchSource(plan.url, plan.headers, settings(c.env));
  return respond(c, { bytes: fetched.bytes, name: fetched.name }, plan);
});
