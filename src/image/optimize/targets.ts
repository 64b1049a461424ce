/**
 * The perceptual presets of `optimize.compression` (spec §3.2): the smallest output whose
 * SSIMULACRA2 score against the pre-encode pixels is at least the preset's target.
 */
import type { Compression } from "../../request/document";

export type Preset = Exclude<Compression, "lossless">;

/** 90: visually lossless; 80: high quality; 70: medium quality (SSIMULACRA2's own scale). */
export const TARGET_SCORE: Readonly<Record<Preset, number>> = { low: 90, medium: 80, high: 70 };
