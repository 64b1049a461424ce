/**
 * The in-memory image every pipeline step works on: 8-bit RGBA, row-major, straight (not
 * premultiplied) alpha. `opaque` is true when every alpha value is known to be 255, so encoders and
 * steps can skip alpha work.
 */
export interface Raster {
  width: number;
  height: number;
  /** width * height * 4 bytes. */
  data: Uint8ClampedArray;
  opaque: boolean;
}

export function createRaster(width: number, height: number, data?: Uint8ClampedArray, opaque = true): Raster {
  const size = width * height * 4;
  if (data && data.length !== size) throw new Error(`raster data is ${data.length} bytes, expected ${size}`);
  return { width, height, data: data ?? new Uint8ClampedArray(size), opaque };
}

/** True when every pixel has R = G = B. */
export function isGrey(data: Uint8ClampedArray): boolean {
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  }
  return true;
}

/** True when every alpha byte is 255. */
export function scanOpaque(data: Uint8ClampedArray): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return false;
  return true;
}
