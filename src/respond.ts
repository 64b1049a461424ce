/**
 * Turning results and failures into HTTP responses. Failures always carry the envelope
 * {"success":false,"code":N,"id":"...","message":"..."}; in binary mode the same document, on one
 * line, also goes in X-Optidash-Meta and X-Optidash-Metadata (every official client reads one).
 */
import type { AppContext } from "./context";
import { envelope, toApiError } from "./errors";

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
