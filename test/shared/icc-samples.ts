/** What test/icc-setup.ts hands to the workerd tests (test/worker/icc.test.ts): inputs with embedded ICC profiles and sharp's decodes. */

export interface IccImage {
  name: string;
  format: "jpeg" | "png" | "webp" | "avif";
  /** The encoded file, base64. */
  file: string;
  width: number;
  height: number;
  /** sharp's default decode (converted to sRGB), raw RGBA, base64. */
  reference: string;
}

export interface IccSamples {
  rocket: { length: number; sha1: string; description: string };
  images: IccImage[];
  /** Profiles built here and sharp's own, by name, base64. */
  profiles: Record<string, string>;
}

declare module "vitest" {
  export interface ProvidedContext {
    icc: IccSamples;
  }
}
