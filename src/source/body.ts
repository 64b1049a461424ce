/** Reads a request or response body into one buffer, refusing it (413) as soon as it exceeds a cap. */
import { ApiError } from "../errors";
import { concatBytes } from "../image/bytes";

export function tooLarge(limit: number): ApiError {
  return new ApiError(413, `The input exceeds the ${limit}-byte limit.`);
}

export interface ReadOptions {
  /** The limit named in the 413 message (default: the cap). */
  limitForMessage?: number;
  /** Reads the next chunk (null at the end); lets a caller add a deadline. Default: reader.read(). */
  read?: (reader: ReadableStreamDefaultReader<Uint8Array>) => Promise<Uint8Array | null>;
}

async function plainRead(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array | null> {
  const { done, value } = await reader.read();
  return done ? null : value;
}

export async function readCapped(stream: ReadableStream<Uint8Array> | null, declaredLength: number | null, cap: number, options: ReadOptions = {}): Promise<Uint8Array> {
  const limit = options.limitForMessage ?? cap;
  if (declaredLength !== null && declaredLength > cap) {
    stream?.cancel().catch(() => undefined);
    throw tooLarge(limit);
  }
  if (!stream) return new Uint8Array(0);
  const read = options.read ?? plainRead;
  const reader = stream.getReader();
  const sink = new ByteSink(declaredLength);
  try {
    for (;;) {
      const chunk = await read(reader);
      if (chunk === null) return sink.bytes();
      if (sink.length + chunk.byteLength > cap) throw tooLarge(limit);
      sink.push(chunk);
    }
  } catch (err) {
    reader.cancel().catch(() => undefined);
    throw err;
  }
}

/** Collects chunks; preallocates when the length is declared, so the body is held once. */
class ByteSink {
  private buffer: Uint8Array | null;
  private readonly chunks: Uint8Array[] = [];
  length = 0;

  constructor(declared: number | null) {
    this.buffer = declared !== null && declared > 0 ? new Uint8Array(declared) : null;
  }

  push(chunk: Uint8Array): void {
    if (this.buffer !== null && this.length + chunk.byteLength <= this.buffer.byteLength) {
      this.buffer.set(chunk, this.length);
    } else {
      this.spill();
      this.chunks.push(chunk);
    }
    this.length += chunk.byteLength;
  }

  bytes(): Uint8Array {
    if (this.buffer !== null) return this.buffer.subarray(0, this.length);
    return concatBytes(this.chunks);
  }

  /** The body outgrew its declared length (e.g. decoded gzip): fall back to a chunk list. */
  private spill(): void {
    if (this.buffer === null) return;
    this.chunks.push(this.buffer.slice(0, this.length));
    this.buffer = null;
  }
}
