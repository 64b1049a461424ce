/**
 * A byte-level multipart/form-data parser. The platform's FormData turns a part without a filename
 * into a (UTF-8 decoded) string, which would corrupt an image sent by a client that omits the
 * filename; this parser keeps every part as bytes and leaves the interpretation to the caller.
 */
import { badRequest } from "../errors";

export interface Part {
  name: string;
  /** null when the part has no filename parameter at all. */
  filename: string | null;
  contentType: string | null;
  body: Uint8Array;
}

const CRLF = [13, 10];
const decoder = new TextDecoder();

export function boundaryOf(contentType: string | null | undefined): string {
  const match = /^\s*multipart\/form-data\s*;(.*)$/i.exec(contentType ?? "");
  const param = match ? /(?:^|;)\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(match[1]!) : null;
  const boundary = param?.[1] ?? param?.[2];
  if (!boundary) throw badRequest("The upload must be multipart/form-data with a boundary.");
  return boundary;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function headerParam(header: string, param: string): string | null {
  const extended = new RegExp(`;\\s*${param}\\*\\s*=\\s*(?:UTF-8|utf-8)?'[^']*'([^;]*)`, "i").exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      return extended[1]!.trim();
    }
  }
  const plain = new RegExp(`;\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, "i").exec(header);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, "$1") : plain[2]!.trim();
}

function parseHeaders(block: string): Omit<Part, "body"> {
  let disposition = "";
  let contentType: string | null = null;
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (!/^form-data\b/i.test(disposition)) throw badRequest("Malformed multipart body: a part has no form-data Content-Disposition.");
  const name = headerParam(disposition, "name");
  if (name === null) throw badRequest("Malformed multipart body: a part has no name.");
  return { name, filename: headerParam(disposition, "filename"), contentType };
}

export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  // The first delimiter may start the body without the leading CRLF.
  const startsAtTop = indexOfBytes(body, delimiter.subarray(2), 0) === 0;
  let cursor = startsAtTop ? 0 : indexOfBytes(body, delimiter, 0);
  if (cursor === -1) throw badRequest("Malformed multipart body: no boundary found.");
  cursor += startsAtTop ? delimiter.length - 2 : delimiter.length;
  const parts: Part[] = [];
  for (;;) {
    if (body[cursor] === 45 && body[cursor + 1] === 45) return parts; // "--": the closing delimiter
    while (body[cursor] === 32 || body[cursor] === 9) cursor++; // transport padding
    if (body[cursor] !== CRLF[0] || body[cursor + 1] !== CRLF[1]) throw badRequest("Malformed multipart body: bad delimiter line.");
    const headersStart = cursor + 2;
    const headersEnd = indexOfBytes(body, new Uint8Array([13, 10, 13, 10]), headersStart - 2);
    if (headersEnd === -1) throw badRequest("Malformed multipart body: a part's headers never end.");
    const headers = parseHeaders(decoder.decode(body.subarray(headersStart, headersEnd)));
    const contentStart = headersEnd + 4;
    const next = indexOfBytes(body, delimiter, contentStart);
    if (next === -1) throw badRequest("Malformed multipart body: it ends before its closing boundary.");
    parts.push({ ...headers, body: body.subarray(contentStart, next) });
    cursor = next + delimiter.length;
  }
}
