/**
 * GET /temp/:id/:name — downloads a temporary output. No key needed: the id is a random UUID.
 * Never served once its lifetime has passed, whatever the bucket's lifecycle rule has not yet done.
 */
import { Hono } from "hono";
import { settings } from "../config";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { createdAt, isExpired, tempKey } from "../storage/temp";

export const temp = new Hono<AppEnv>();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const notFound = () => new ApiError(404, "No such output: temporary outputs are kept for 24 hours.");

temp.get("/:id/:name", async (c) => {
  const { id, name } = c.req.param();
  if (!UUID.test(id)) throw notFound();
  const object = await c.env.OUTPUTS.get(tempKey(id, name));
  const ttl = settings(c.env).tempTtlSeconds;
  const now = Date.now();
  if (!object) throw notFound();
  if (isExpired(object, ttl, now)) {
    c.executionCtx.waitUntil(c.env.OUTPUTS.delete(object.key));
    throw notFound();
  }
  const remaining = Math.max(0, Math.floor((createdAt(object) + ttl * 1000 - now) / 1000));
  return new Response(c.req.method === "HEAD" ? null : object.body, {
    headers: {
      "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream",
      "Content-Length": String(object.size),
      "Cache-Control": `public, max-age=${remaining}, immutable`,
      ETag: object.httpEtag,
      "Last-Modified": new Date(createdAt(object)).toUTCString(),
      "X-Content-Type-Options": "nosniff",
    },
  });
});
