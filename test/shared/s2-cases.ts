/** What test/s2-setup.ts hands to the workerd tests: photo pairs with calc-s2-rust's scores. */

export interface S2Pair {
  /** The distortion, e.g. "jpeg q80", "webp q80", "blur 0.6", "down-up 1/2". */
  distortion: string;
  /** The distorted image decoded by sharp, as a lossless PNG, base64. */
  png: string;
  /** SSIMULACRA 2.0 of this pair by calc-s2-rust (the Rust port compiled to WebAssembly), in Node. */
  reference: number;
}

export interface S2Photo {
  name: string;
  width: number;
  height: number;
  /** The reference (the fixture decoded by sharp, centre-cropped), as a lossless PNG, base64. */
  png: string;
  pairs: S2Pair[];
}

declare module "vitest" {
  export interface ProvidedContext {
    s2Photos: S2Photo[];
  }
}
