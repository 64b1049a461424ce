/**
 * Embedded colour profiles, applied at decode time. Outputs carry no metadata (spec §3.15: the
 * profile's effect is kept by converting to sRGB), so an input tagged with a matrix/TRC profile
 * (Adobe RGB, Display P3, ProPhoto, camera profiles) has its pixels converted to sRGB right after
 * decoding; sRGB profiles, profile-less inputs, profiles we cannot use (LUT-based, CMYK, Lab,
 * malformed) and profiles that do not fit the image (gray on colour, RGB on gray) leave the pixels
 * untouched.
 *
 *   extract.ts  the profile bytes from JPEG APP2, PNG iCCP, WebP ICCP, AVIF colr
 *   profile.ts  ICC header/tag parsing into a matrix-shaper, sRGB detection
 *   convert.ts  the per-pixel conversion
 */
import type { ProbeResult } from "../probe";
import type { Raster } from "../raster";
import { toSrgb } from "./convert";
import { extractIcc } from "./extract";
import { parseProfile, type MatrixShaper } from "./profile";

export { extractIcc } from "./extract";
export { parseProfile, type MatrixShaper } from "./profile";
export { toSrgb } from "./convert";

/** What the probe says about the input that decides whether its profile applies. */
export type ProfileTarget = Pick<ProbeResult, "format" | "colorspace">;

/**
 * The decoded `image` of `bytes` in sRGB: converted in place when its embedded profile calls for it.
 * A profile must fit the image, as lcms/libvips require: a GRAY profile only on a grayscale input, an
 * RGB profile only on a colour (RGB or YCbCr) one; CMYK inputs are never converted.
 */
export async function applyEmbeddedProfile(bytes: Uint8Array, input: ProfileTarget, image: Raster): Promise<Raster> {
  const profile = await embeddedProfile(bytes, input);
  return profile ? toSrgb(image, profile) : image;
}

/** The embedded profile that applyEmbeddedProfile would convert with, or null when none applies. */
export async function embeddedProfile(bytes: Uint8Array, input: ProfileTarget): Promise<MatrixShaper | null> {
  const icc = await extractIcc(bytes, input.format);
  const profile = icc && parseProfile(icc);
  if (!profile || profile.isSrgb) return null;
  const gray = input.colorspace === "Gray";
  const colour = input.colorspace === "sRGB" || input.colorspace === "YCbCr";
  if (profile.colorSpace === "GRAY" ? !gray : !colour) return null;
  return profile;
}
