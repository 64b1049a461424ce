/**
 * Temporary outputs: R2 objects at temp/<uuid>/<name>, downloadable for 24 hours (TEMP_TTL_SECONDS)
 * and never after. Three things enforce the lifetime: the expiry check on every read here, the
 * scheduled sweep below, and the bucket's lifecycle rule (scripts/r2-lifecycle.mjs), which alone
 * could keep an object up to ~48 h because R2 counts whole days.
 */
export const TEMP_PREFIX = "temp/";

export interface TempObject {
  key: string;
  /** Creation time, ms since the epoch (customMetadata.created, written at upload). */
  created: number;
}

/** Replaces anything but letters, digits, dot, dash and underscore; never empty, never a dotfile. */
export function sanitiseName(name: string, fallback: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(-120);
  return cleaned === "" ? fallback : cleaned;
}

export function tempKey(id: string, name: string): string {
  return `${TEMP_PREFIX}${id}/${name}`;
}

export function createdAt(object: R2Object): number {
  const stamped = Number(object.customMetadata?.created);
  return Number.isFinite(stamped) && stamped > 0 ? stamped : object.uploaded.getTime();
}

export function isExpired(object: R2Object, ttlSeconds: number, now: number): boolean {
  return now - createdAt(object) >= ttlSeconds * 1000;
}

/** Deletes every temporary output older than the lifetime; returns how many were deleted. */
export async function sweepExpired(bucket: R2Bucket, ttlSeconds: number, now: number): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: TEMP_PREFIX, cursor, include: ["customMetadata"] });
    const expired = page.objects.filter((o) => isExpired(o, ttlSeconds, now)).map((o) => o.key);
    for (let i = 0; i < expired.length; i += 1000) await bucket.delete(expired.slice(i, i + 1000));
    deleted += expired.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/** Stores a temporary output and returns its key (temp/<uuid>/<name>). */
export async function putTemp(bucket: R2Bucket, name: string, bytes: Uint8Array, contentType: string, now: number): Promise<string> {
  const key = tempKey(crypto.randomUUID(), name);
  await bucket.put(key, bytes, { httpMetadata: { contentType }, customMetadata: { created: String(now) } });
  return key;
}
