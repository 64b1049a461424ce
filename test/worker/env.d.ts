declare global {
  namespace Cloudflare {
    interface Env extends import("../../src/config").Env {}
  }
}
declare module "vitest" {
  export interface ProvidedContext {
    /** Committed fixtures by file name, base64 (see test/global-setup.ts). */
    fixtures: Record<string, string>;
  }
}
export {};
