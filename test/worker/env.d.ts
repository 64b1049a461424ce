import type { Env } from "../../src/config";
declare global {
  namespace Cloudflare {
    interface Env extends import("../../src/config").Env {}
  }
}
export type { Env };
