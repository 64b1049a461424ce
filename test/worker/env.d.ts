import type { Env as Bindings } from "../../src/config";

declare global {
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends Bindings {}
  }
}
declare module "vitest" {
  export interface ProvidedContext {
    /** Committed fixtures by file name, base64 (see test/global-setup.ts). */
    fixtures: Record<string, string>;
  }
}
