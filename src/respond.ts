/**
 * Turning results and failures into HTTP responses. Failures always carry the envelope
 * {"success":false,"code":N,"id":"...","message":"..."}; in binary mode the same document, on one
 * line, also goes in X-Optidash-Meta and X-Optidash-Metadata (every official client reads one).
 */
import type { AppContext } from "./context";
import { envelope, toApiError } from "./errors";
import type { ImageFacts } from "./image/process";

export function metadataHeaders(document: unknown): Record<string, string> {
  const line = JSON.stringify(document);
  return { "X-Optidash-Meta": line, "X-Optidash-Metadata": line };
}

export function failureResponse(c: AppContext, err: unknown): Response {
  const failure = toApiError(err);
  const id = c.get("requestId") ?? crypto.randomUUID();
  if (failure.status === 500) {
    // Our own fault: keep the details in the log (never a key or a body), not in the response.
    console.error(`request ${id} failed:`, err instanceof Error ? err.stack ?? err.message : String(err));
  }
  const body = envelope(failure, id);
  const headers: Record<string, string> = { ...failure.headers };
  if (c.get("binary")) Object.assign(headers, metadataHeaders(body));
  return c.json(body, failure.status, headers);
}

/** The success document of spec §5: never a `message` key (the Node client reads one as an error). */
export function successDocument(c: AppContext, result: { input: ImageFacts; output: ImageFacts }, url: string) {
  return { success: true as const, code: 200 as const, id: c.get("requestId"), input: result.input, output: { url, ...result.output } };
}

export function binaryResponse(document: unknown, bytes: Uint8Array, contentType: string): Response {
  return new Response(bytes, {
    status: 200,
    headers: { "Content-Type": contentType, "Content-Length": String(bytes.byteLength), ...metadataHeaders(document) },
  });
}
