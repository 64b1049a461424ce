/**
 * Typed bindings and settings. Settings arrive as strings (wrangler [vars]); they are parsed and
 * checked once per isolate, so a wrong deployment value fails loudly instead of silently.
 */
import type { KeyState } from "./ratelimit/key-state";
import type { AccountState } from "./quota/account-state";

export interface Env {
  OUTPUTS: R2Bucket;
  KEYS: KVNamespace;
  KEY_STATE: DurableObjectNamespace<KeyState>;
  ACCOUNT_STATE: DurableObjectNamespace<AccountState>;
  WEBHOOKS: Queue;
  MAX_INPUT_BYTES: string;
  MAX_INPUT_PIXELS: string;
  MAX_LARGE_INPUT_PIXELS: string;
  MAX_ORIENTED_PIXELS: string;
  MAX_OUTPUT_PIXELS: string;
  MAX_AVIF_OUTPUT_PIXELS: string;
  DEFAULT_RATE_LIMIT: string;
  DEFAULT_MONTHLY_QUOTA: string;
  TEMP_TTL_SECONDS: string;
  PUBLIC_BASE_URL: string;
  ALLOW_PRIVATE_SOURCES: string;
  PRIVATE_SOURCE_ALLOWLIST?: string;
  ALLOW_SENSITIVE_FETCH_HEADERS: string;
  FETCH_TIMEOUT_MS: string;
  FETCH_MAX_REDIRECTS: string;
}

export interface Settings {
  maxInputBytes: number;
  maxInputPixels: number;
  /**
   * JPEG (baseline and progressive), PNG and WebP inputs may be larger (never less than
   * maxInputPixels): the streamed route decodes them strip by strip (src/image/streamed.ts).
   */
  maxLargeInputPixels: number;
  /** EXIF orientations 2–8 of a large input: the decoded image turned into one raster. */
  maxOrientedPixels: number;
  /** Outputs of the streamed route (full size or resized) for JPEG, PNG and WebP. */
  maxOutputPixels: number;
  /** AVIF encoding needs far more memory per pixel than the other encoders. */
  maxAvifOutputPixels: number;
  defaultRateLimit: number;
  defaultMonthlyQuota: number;
  tempTtlSeconds: number;
  publicBaseUrl: string;
  allowPrivateSources: boolean;
  /** Private sources allowed one by one, as "host:port" (the port as written or the scheme's default). */
  privateSourceAllowlist: string[];
  allowSensitiveFetchHeaders: boolean;
  fetchTimeoutMs: number;
  fetchMaxRedirects: number;
}

function positiveInt(env: Env, name: keyof Env, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Setting ${String(name)} must be a non-negative integer`);
  }
  return value;
}

function flag(env: Env, name: keyof Env): boolean {
  const raw = env[name];
  return raw === "true" || raw === "1";
}

const cache = new WeakMap<Env, Settings>();

export function settings(env: Env): Settings {
  const known = cache.get(env);
  if (known) return known;
  const parsed: Settings = {
    maxInputBytes: positiveInt(env, "MAX_INPUT_BYTES", 32 * 1024 * 1024),
    maxInputPixels: positiveInt(env, "MAX_INPUT_PIXELS", 4_000_000),
    maxLargeInputPixels: positiveInt(env, "MAX_LARGE_INPUT_PIXELS", 50_000_000),
    maxOrientedPixels: positiveInt(env, "MAX_ORIENTED_PIXELS", 16_777_216),
    maxOutputPixels: positiveInt(env, "MAX_OUTPUT_PIXELS", 25_000_000),
    maxAvifOutputPixels: positiveInt(env, "MAX_AVIF_OUTPUT_PIXELS", 2_500_000),
    defaultRateLimit: positiveInt(env, "DEFAULT_RATE_LIMIT", 100_000),
    defaultMonthlyQuota: positiveInt(env, "DEFAULT_MONTHLY_QUOTA", 250_000),
    tempTtlSeconds: positiveInt(env, "TEMP_TTL_SECONDS", 86_400),
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? "").replace(/\/+$/, ""),
    allowPrivateSources: flag(env, "ALLOW_PRIVATE_SOURCES"),
    privateSourceAllowlist: (env.PRIVATE_SOURCE_ALLOWLIST ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean),
    allowSensitiveFetchHeaders: flag(env, "ALLOW_SENSITIVE_FETCH_HEADERS"),
    fetchTimeoutMs: positiveInt(env, "FETCH_TIMEOUT_MS", 15_000),
    fetchMaxRedirects: positiveInt(env, "FETCH_MAX_REDIRECTS", 5),
  };
  cache.set(env, parsed);
  return parsed;
}
