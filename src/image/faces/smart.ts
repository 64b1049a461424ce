/**
 * Gravity `auto`: the most interesting region of the image for a crop of a given shape, chosen by
 * smartcrop (edges, skin tones, saturation, rule of thirds; MIT, pure JavaScript) on a copy of the
 * image at most 256 pixels on a side, with face boxes (when any were found) as boosted regions.
 * smartcrop normally reads a canvas; here its image operations read our RGBA raster instead.
 */
import type { Raster } from "../raster";
import { resize } from "../resample";
import type { Box, Detection } from "./decode";

const ANALYSIS_SIDE = 256;

/** smartcrop's pixel source: width, height and RGBA bytes. */
interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** smartcrop's image operations over a raster that is already small (its own prescale is off). */
const RASTER_OPERATIONS = {
  open: (image: Pixels) => Promise.resolve(image),
  resample: () => Promise.reject(new Error("smartcrop resampling is not used")),
  getData: (image: Pixels) => Promise.resolve({ width: image.width, height: image.height, data: image.data }),
};

interface SmartcropCall {
  crop(image: Pixels, options: object): Promise<{ topCrop?: Box }>;
}

async function analysisCopy(image: Raster): Promise<Raster> {
  const scale = ANALYSIS_SIDE / Math.max(image.width, image.height);
  if (scale >= 1) return image;
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  return resize(image, width, height);
}

/**
 * The region of aspect aspectW:aspectH that smartcrop rates best, in the image's pixels;
 * undefined when it finds none (tiny images), so the caller falls back to the centre.
 */
export async function interestingRegion(image: Raster, aspectW: number, aspectH: number, faces: readonly Detection[]): Promise<Box | undefined> {
  const small = await analysisCopy(image);
  const sx = small.width / image.width;
  const sy = small.height / image.height;
  const boost = faces.map((f) => ({ x: f.x * sx, y: f.y * sy, width: f.width * sx, height: f.height * sy, weight: f.score }));
  const options = { width: aspectW, height: aspectH, prescale: false, imageOperations: RASTER_OPERATIONS, boost };
  const smartcrop = (await import("smartcrop")).default as unknown as SmartcropCall;
  const result = await smartcrop.crop({ width: small.width, height: small.height, data: small.data }, options);
  const crop = result.topCrop;
  if (!crop || !(crop.width > 0 && crop.height > 0)) return undefined;
  return { x: crop.x / sx, y: crop.y / sy, width: crop.width / sx, height: crop.height / sy };
}
