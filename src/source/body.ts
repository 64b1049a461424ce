/** Reads a request or response body into one buffer, refusing it (413) as soon as it exceeds a cap. */
import { ApiError } from "../errors";
import { concatBytes } from "../image/bytes";

export function tooLarge(limit: number): ApiError {
  return new ApiError(413, `The input exceeds the ${limit}-byte limit.`);
}

export async function readCapped(stream: ReadableStream<Uint8Array> | null, declaredLength: number | null, cap: number, limitForMessage = cap): Promise<Uint8Array> {
  if (declaredLength !== null && declaredLength > cap) {
    await stream?.cancel().catch(() => undefined);
    throw tooLarge(limitForMessage);
  }
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limitForMessage);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  return concatBytes(chunks);
}
