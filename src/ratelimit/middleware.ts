/**
 * Exact per-key rate limiting in fixed 15-minute windows. Every request of an authenticated caller
 * counts, whatever its endpoint, method or outcome, and every such response carries
 * X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";
import type { AppEnv } from "../context";
import { revokedKey } from "../auth/middleware";
import type { RateDecision } from "./key-state";

export function rateLimitHeaders(rate: RateDecision): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(rate.limit),
    "X-RateLimit-Remaining": String(rate.remaining),
    "X-RateLimit-Reset": String(rate.reset),
  };
}

/** Outermost: puts the rate-limit headers on whatever response the request ends with. */
export const rateLimitHeadersOnResponse: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const rate = c.get("rate");
  if (!rate) return;
  for (const [name, value] of Object.entries(rateLimitHeaders(rate))) c.header(name, value);
};

export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const caller = c.get("caller");
  if (!caller) return next();
  const stub = c.env.KEY_STATE.get(c.env.KEY_STATE.idFromName(caller.key.id));
  const rate = await stub.admit(caller.rateLimit);
  c.set("rate", rate);
  if (rate.revoked) throw revokedKey();
  if (!rate.allowed) {
    throw new ApiError(429, `Rate limit exceeded. Retry in ${rate.reset} seconds.`, {
      "Retry-After": String(rate.reset),
    });
  }
  return next();
};
