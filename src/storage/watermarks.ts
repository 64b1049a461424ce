/**
 * Watermark images, kept permanently in R2 at watermarks/<accountId>/<id> (no lifecycle rule
 * touches that prefix). The id is 10 random characters of [A-Za-z0-9]; name, format, size and
 * creation time ride in customMetadata, so listing needs no reads of the images. An id is looked
 * up only under the caller's own account prefix: another account's id is simply not found.
 */
import { unprocessable, type ApiError } from "../errors";
import { watermarkCache } from "../image/watermark-cache";
import { decodeWatermark, type WatermarkFacts } from "../image/watermark-source";
import { FORMATS } from "../image/formats";
import type { Raster } from "../image/raster";
import type { WatermarkImage } from "../request/watermark";

export const WATERMARK_PREFIX = "watermarks/";
/** Watermarks one account may keep. */
export const MAX_WATERMARKS_PER_ACCOUNT = 1000;

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ID_LENGTH = 10;
const ID_PATTERN = /^[A-Za-z0-9]{10}$/;

/** What the API says about a stored watermark. */
export interface WatermarkInfo {
  id: string;
  name: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  created: string;
}

function notFound(id: string): ApiError {
  return unprocessable(`Watermark 'id' parameter: watermark '${id}' was not found in this account (upload one with POST /1.0/watermarks)`);
}

/** 10 characters of [A-Za-z0-9] from the CSPRNG, without modulo bias (bytes ≥ 248 are redrawn). */
export function newWatermarkId(): string {
  let id = "";
  while (id.length < ID_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      if (byte < 248 && id.length < ID_LENGTH) id += ID_ALPHABET[byte % 62];
    }
  }
  return id;
}

function accountPrefix(accountId: string): string {
  return `${WATERMARK_PREFIX}${accountId}/`;
}

export function watermarkKey(accountId: string, id: string): string {
  return accountPrefix(accountId) + id;
}

function describe(object: R2Object): WatermarkInfo {
  const meta = object.customMetadata ?? {};
  return {
    id: object.key.slice(object.key.lastIndexOf("/") + 1),
    name: decodeURIComponent(meta.name ?? ""),
    format: meta.format ?? "",
    width: Number(meta.width),
    height: Number(meta.height),
    bytes: object.size,
    created: meta.created ?? object.uploaded.toISOString(),
  };
}

/** Stores a checked watermark under a new id (named by it when `name` is ""); `raster`, when given, warms the cache. */
export async function putWatermark(bucket: R2Bucket, accountId: string, bytes: Uint8Array, facts: WatermarkFacts, name: string, raster?: Raster): Promise<WatermarkInfo> {
  const id = newWatermarkId();
  const key = watermarkKey(accountId, id);
  const stored = await bucket.put(key, bytes, {
    httpMetadata: { contentType: FORMATS[facts.format].mime },
    customMetadata: {
      // Encoded so that any name survives R2's header-based metadata.
      name: encodeURIComponent(name || id),
      format: FORMATS[facts.format].name,
      width: String(facts.width),
      height: String(facts.height),
      created: new Date().toISOString(),
    },
  });
  if (raster) watermarkCache.set(key, stored.etag, raster);
  return describe(stored);
}

/** Every watermark of the account, oldest first. */
export async function listWatermarks(bucket: R2Bucket, accountId: string): Promise<WatermarkInfo[]> {
  const found: WatermarkInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: accountPrefix(accountId), cursor, include: ["customMetadata"] });
    found.push(...page.objects.map(describe));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
}

/** Whether the account may store one more watermark. */
export async function hasRoomForWatermark(bucket: R2Bucket, accountId: string): Promise<boolean> {
  const page = await bucket.list({ prefix: accountPrefix(accountId), limit: MAX_WATERMARKS_PER_ACCOUNT });
  return page.objects.length < MAX_WATERMARKS_PER_ACCOUNT;
}

async function headOwn(bucket: R2Bucket, accountId: string, id: string): Promise<R2Object> {
  const object = ID_PATTERN.test(id) ? await bucket.head(watermarkKey(accountId, id)) : null;
  if (!object) throw notFound(id);
  return object;
}

export async function findWatermark(bucket: R2Bucket, accountId: string, id: string): Promise<WatermarkInfo> {
  return describe(await headOwn(bucket, accountId, id));
}

/** Deletes one of the account's watermarks (422 when it has none by that id) and evicts it here. */
export async function deleteWatermark(bucket: R2Bucket, accountId: string, id: string): Promise<WatermarkInfo> {
  const object = await headOwn(bucket, accountId, id);
  await bucket.delete(object.key);
  watermarkCache.evict(object.key);
  return describe(object);
}

/**
 * The watermark `id` of the account, ready for the watermark step: a cached raster when this
 * isolate has the current version, otherwise the stored bytes, read now and decoded by the step.
 * An unknown id is a 422 here, before any image work.
 */
export async function openWatermark(bucket: R2Bucket, accountId: string, id: string): Promise<WatermarkImage> {
  const head = await headOwn(bucket, accountId, id);
  const { width, height } = describe(head);
  const cached = watermarkCache.get(head.key, head.etag);
  if (cached) return { width, height, raster: () => Promise.resolve(cached) };
  const object = await bucket.get(head.key);
  if (!object) throw notFound(id);
  const bytes = new Uint8Array(await object.arrayBuffer());
  return {
    width,
    height,
    raster: async () => {
      const raster = await decodeWatermark(bytes);
      watermarkCache.set(head.key, object.etag, raster);
      return raster;
    },
  };
}
