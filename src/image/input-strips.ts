/**
 * The input as a strip source: decoded band by band (JPEG at a shrink-on-load scale and, for
 * crop-on-load, only a window), converted to sRGB strip by strip when its embedded profile calls
 * for it. Every pass decodes again from the input bytes, so no pass keeps the whole image.
 */
import { extractRegion, type Region } from "./canvas";
import { decodeScaled, decodeWindow, type JpegScale } from "./codecs/jpeg-turbo";
import { embeddedProfile, toSrgb } from "./icc";
import type { MatrixShaper } from "./icc/profile";
import type { ImageFormat, ProbeResult } from "./probe";
import { createRaster, type Raster } from "./raster";
import { rasterStrips, type StripSource } from "./strips";
import { decode } from "./transcode";
import { scaledSize } from "./codecs/jpeg-turbo";

/** The decoder's strips of `bytes` (JPEG: at `scale`, only `window` of the scaled image when set). */
export function decoderStrips(bytes: Uint8Array, info: ProbeResult, scale: JpegScale = 1, window?: Region): StripSource {
  const size = window ?? (info.format === "jpeg" ? scaledSize(info.width, info.height, scale) : info);
  const whole = (): Promise<Raster> => decodeWhole(bytes, info.format, scale, window);
  return {
    width: size.width,
    height: size.height,
    opaque: info.format === "jpeg",
    async *strips() {
      yield* rasterStrips(await whole()).strips();
    },
  };
}

/** A window is exactly the region asked for (libjpeg starts it further left, at an iMCU column). */
async function decodeWhole(bytes: Uint8Array, format: ImageFormat, scale: JpegScale, window?: Region): Promise<Raster> {
  if (format !== "jpeg") return decode(bytes, format);
  if (!window) return decodeScaled(bytes, scale);
  const decoded = await decodeWindow(bytes, scale, window);
  return extractRegion(decoded.image, { ...window, x: window.x - decoded.left, y: window.y - decoded.top });
}

/**
 * `source` converted to sRGB with `profile`, strip by strip, in place: only over a decoder's strips,
 * whose pixels are fresh on every pass.
 */
export function inSrgb(source: StripSource, profile: MatrixShaper): StripSource {
  return {
    width: source.width,
    height: source.height,
    opaque: source.opaque,
    async *strips() {
      for await (const strip of source.strips()) {
        toSrgb(createRaster(source.width, strip.rows, strip.data), profile);
        yield strip;
      }
    },
  };
}

/** The input's strips in sRGB; `converted` says whether its profile changed the pixels. */
export async function inputStrips(bytes: Uint8Array, info: ProbeResult, scale: JpegScale = 1, window?: Region): Promise<{ source: StripSource; converted: boolean }> {
  const decoded = decoderStrips(bytes, info, scale, window);
  const profile = await embeddedProfile(bytes, info);
  return profile ? { source: inSrgb(decoded, profile), converted: true } : { source: decoded, converted: false };
}
