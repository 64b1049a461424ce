/**
 * Authentication. `authenticate` runs on every request but /temp/...: when credentials are present
 * they must be valid (401, or 403 for a revoked key), and the caller is recorded. Routes then ask
 * for a caller with `requireAuth` (401 when none was sent) or `requireMaster` (403).
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";
import { settings } from "../config";
import type { AppEnv } from "../context";
import { keyFromAuthorization } from "./credentials";
import { hashKey, KeyStore } from "./keys";

const invalidKey = () => new ApiError(401, "Invalid API key.");
export const revokedKey = () => new ApiError(403, "This API key has been revoked.");

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = keyFromAuthorization(c.req.header("Authorization"));
  if (key === null) return next();
  const store = new KeyStore(c.env.KEYS);
  const record = await store.keyByHash(await hashKey(key));
  if (!record) throw invalidKey();
  if (record.revoked) throw revokedKey();
  const account = await store.account(record.accountId);
  if (!account) throw invalidKey();
  const config = settings(c.env);
  c.set("caller", {
    key: record,
    account,
    rateLimit: account.plan.rateLimit ?? config.defaultRateLimit,
    monthlyQuota: account.plan.quota ?? config.defaultMonthlyQuota,
  });
  return next();
};

export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("caller")) {
    throw new ApiError(401, "Missing API key: use HTTP Basic with the key as user name, or 'Authorization: Bearer <key>'.", {
      "WWW-Authenticate": 'Basic realm="Optidash API"',
    });
  }
  return next();
};

export const requireMaster: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("caller")?.key.master) throw new ApiError(403, "This endpoint requires the account's master API key.");
  return next();
};
