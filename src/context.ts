/** The Hono environment shared by every middleware and route: bindings and per-request values. */
import type { Context } from "hono";
import type { Env } from "./config";
import type { AccountRecord, KeyRecord } from "./auth/keys";
import type { RateDecision } from "./ratelimit/key-state";

/** The authenticated caller: the key used, its account, and the plan limits in force. */
export interface Caller {
  key: KeyRecord;
  account: AccountRecord;
  rateLimit: number;
  monthlyQuota: number;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    caller: Caller | null;
    rate: RateDecision | null;
    /** Set by image endpoints that answer in binary mode: failures then carry the metadata headers. */
    binary: boolean;
  };
}

export type AppContext = Context<AppEnv>;
