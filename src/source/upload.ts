/**
 * POST /1.0/upload: a multipart body with the image in part `file` and the request document as a
 * JSON string in part `data`, in either order. `file` may have an empty or missing filename and any
 * or no content type; `data` may be `{}`, empty or absent.
 */
import type { Settings } from "../config";
import { badRequest } from "../errors";
import { readCapped, tooLarge } from "./body";
import { boundaryOf, parseMultipart } from "./multipart";

export interface Upload {
  bytes: Uint8Array;
  /** The part's filename; "" when it had none. */
  name: string;
  document: unknown;
}

/** Room for the `data` part and the multipart framing on top of the image itself. */
const FRAMING_ALLOWANCE = 1024 * 1024;
const decoder = new TextDecoder();

function parseData(bytes: Uint8Array | undefined): unknown {
  const text = bytes ? decoder.decode(bytes).trim() : "";
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The 'data' part is not valid JSON.");
  }
}

export async function readUpload(request: Request, settings: Settings): Promise<Upload> {
  const boundary = boundaryOf(request.headers.get("Content-Type"));
  const declared = request.headers.get("Content-Length");
  const body = await readCapped(request.body, declared === null ? null : Number(declared), settings.maxInputBytes + FRAMING_ALLOWANCE, {
    limitForMessage: settings.maxInputBytes,
  });
  const parts = parseMultipart(body, boundary);
  const file = parts.find((p) => p.name === "file");
  if (!file) throw badRequest("Missing 'file' part: /1.0/upload needs the image in a multipart part named 'file'.");
  if (file.body.byteLength > settings.maxInputBytes) throw tooLarge(settings.maxInputBytes);
  const data = parts.find((p) => p.name === "data");
  return { bytes: file.body, name: file.filename ?? "", document: parseData(data?.body) };
}
