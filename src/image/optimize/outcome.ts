/** What an encoding stage produced: the bytes and the facts the response document reports. */
import type { EncodableFormat } from "../../request/output";

export interface Encoded {
  bytes: Uint8Array;
  format: EncodableFormat;
  /** The encoder quality used (lossy outputs), else null. */
  quality: number | null;
  /** SSIMULACRA2 against the pre-encode pixels, when the optimiser measured it (lossy outputs at a target), else null. */
  score: number | null;
  /** Encodes spent, searching included. */
  encodes: number;
}
