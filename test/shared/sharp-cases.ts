/** What test/sharp-setup.ts hands to the workerd tests: sharp's reference resizes. */

export interface SharpTarget {
  width: number;
  height: number;
  /** sharp `resize(width, height, { kernel: "lanczos3", fit: "fill" })`, raw RGBA, base64. */
  resized: string;
  /** Upscales only: sharp's bicubic affine on the centred grid, raw RGBA, base64. */
  centred?: string;
  /** The same resize as a JPEG q80 (mozjpeg, 4:2:0), decoded back to raw RGBA by sharp, base64. */
  jpeg: string;
}

export interface SharpCase {
  name: string;
  width: number;
  height: number;
  /** The decoded source, raw RGBA, base64. */
  source: string;
  opaque: boolean;
  targets: SharpTarget[];
}

declare module "vitest" {
  export interface ProvidedContext {
    sharpResizes: SharpCase[];
  }
}
