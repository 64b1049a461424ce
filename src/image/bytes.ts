/** Byte-buffer helpers shared by the codecs, the ICC extraction, body reading and the tests. */

/** The parts one after another in a new buffer (plain number arrays are taken as bytes). */
export function concatBytes(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
