import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";

/** Gives every request a UUID v4, echoed as the response body's `id` and in `X-Request-Id`. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const id = crypto.randomUUID();
  c.set("requestId", id);
  c.set("caller", null);
  c.set("rate", null);
  c.set("binary", false);
  await next();
  c.header("X-Request-Id", id);
};
