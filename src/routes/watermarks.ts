/**
 * The account's watermark images (spec §1, ours): POST /1.0/watermarks uploads one (multipart part
 * `file`, PNG/WebP/JPEG, at most 2 MB and 4096×4096; optional part `name`) and answers with its
 * `id`, the value of `watermark.id` in request documents; GET lists them, GET /:id describes one,
 * DELETE /:id removes one. Any key of the account may manage them (they are account data, like
 * the images it processes), and an id of another account is answered as unknown.
 */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware";
import { settings } from "../config";
import type { AppContext, AppEnv } from "../context";
import { ApiError, badRequest, unprocessable } from "../errors";
import { oneAtATime } from "../image/one-at-a-time";
import { decodeWatermark, inspectWatermark, MAX_WATERMARK_BYTES } from "../image/watermark-source";
import type { Raster } from "../image/raster";
import { readCapped, tooLarge } from "../source/body";
import { boundaryOf, parseMultipart, type Part } from "../source/multipart";
import {
  deleteWatermark,
  findWatermark,
  hasRoomForWatermark,
  listWatermarks,
  MAX_WATERMARKS_PER_ACCOUNT,
  putWatermark,
} from "../storage/watermarks";

export const watermarks = new Hono<AppEnv>();
watermarks.use(requireAuth);

/** Room for the `name` part and the multipart framing on top of the image. */
const FRAMING_ALLOWANCE = 64 * 1024;
const MAX_NAME = 100;
const PARTS = ["file", "name"];
const decoder = new TextDecoder();

interface WatermarkUpload {
  bytes: Uint8Array;
  name: string;
}

function nameOf(part: Part | undefined, file: Part): string {
  const given = part ? decoder.decode(part.body).trim() : "";
  if (given.length > MAX_NAME) throw unprocessable(`Watermark 'name' parameter must be a string of at most ${MAX_NAME} characters`);
  if (given !== "") return given;
  return (file.filename ?? "").split(/[\\/]/).pop()!.slice(0, MAX_NAME);
}

async function readWatermarkUpload(request: Request): Promise<WatermarkUpload> {
  const boundary = boundaryOf(request.headers.get("Content-Type"));
  const declared = request.headers.get("Content-Length");
  const body = await readCapped(request.body, declared === null ? null : Number(declared), MAX_WATERMARK_BYTES + FRAMING_ALLOWANCE, {
    limitForMessage: MAX_WATERMARK_BYTES,
  });
  const parts = parseMultipart(body, boundary);
  const unknown = parts.find((p) => !PARTS.includes(p.name));
  if (unknown) throw unprocessable(`Watermark upload has no '${unknown.name}' part; allowed: 'file', 'name'`);
  const file = parts.find((p) => p.name === "file");
  if (!file) throw badRequest("Missing 'file' part: POST /1.0/watermarks needs the image in a multipart part named 'file'.");
  if (file.body.byteLength > MAX_WATERMARK_BYTES) throw tooLarge(MAX_WATERMARK_BYTES);
  return { bytes: file.body, name: nameOf(parts.find((p) => p.name === "name"), file) };
}

/** Decodes the upload once, so a file that only looks like an image is refused now, not at use. */
async function decodable(bytes: Uint8Array): Promise<Raster> {
  try {
    return await oneAtATime(() => decodeWatermark(bytes));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(415, "The watermark could not be decoded: the file is damaged or uses an unsupported feature.");
  }
}

function accountId(c: AppContext): string {
  return c.get("caller")!.account.id;
}

watermarks.post("/", async (c) => {
  const upload = await readWatermarkUpload(c.req.raw);
  const facts = inspectWatermark(upload.bytes, settings(c.env).maxInputPixels);
  if (!(await hasRoomForWatermark(c.env.OUTPUTS, accountId(c)))) {
    throw unprocessable(`This account already has ${MAX_WATERMARKS_PER_ACCOUNT} watermarks; delete one before uploading another`);
  }
  const raster = await decodable(upload.bytes);
  const watermark = await putWatermark(c.env.OUTPUTS, accountId(c), upload.bytes, facts, upload.name, raster);
  // The id of this answer is the watermark's: the value to send as `watermark.id`.
  return c.json({ success: true, code: 200, id: watermark.id, watermark });
});

watermarks.get("/", async (c) => {
  const list = await listWatermarks(c.env.OUTPUTS, accountId(c));
  return c.json({ success: true, code: 200, id: c.get("requestId"), watermarks: list });
});

watermarks.get("/:id", async (c) => {
  const watermark = await findWatermark(c.env.OUTPUTS, accountId(c), c.req.param("id"));
  return c.json({ success: true, code: 200, id: c.get("requestId"), watermark });
});

watermarks.delete("/:id", async (c) => {
  const watermark = await deleteWatermark(c.env.OUTPUTS, accountId(c), c.req.param("id"));
  return c.json({ success: true, code: 200, id: c.get("requestId"), watermark });
});
