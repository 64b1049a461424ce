/**
 * Raw multipart bodies shaped exactly as each official Optidash client sends them (reference §1.6),
 * so tests exercise the wire format rather than a test library's idea of it.
 */
import { concatBytes } from "../../src/image/bytes";

export interface PartSpec {
  name: string;
  /** undefined: no filename parameter at all; "" : filename="" (Go). */
  filename?: string;
  contentType?: string;
  body: Uint8Array | string;
}

const encoder = new TextEncoder();

export function multipart(parts: PartSpec[], boundary: string): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += "\r\n";
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    head += "\r\n";
    chunks.push(encoder.encode(head), typeof part.body === "string" ? encoder.encode(part.body) : part.body, encoder.encode("\r\n"));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  return concatBytes(chunks);
}

export interface ClientRequest {
  client: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;

/** The upload request of each official client, for an image and a request document. */
export function officialUploads(key: string, image: Uint8Array, fileName: string, document: object): ClientRequest[] {
  const data = JSON.stringify(document);
  const shapes: Array<{ client: string; boundary: string; auth: string; parts: PartSpec[]; extra?: Record<string, string> }> = [
    {
      // request's formData {file, data}: file first; a Buffer gets a random hex name.
      client: "node",
      boundary: "--------------------------515890814546601021194782",
      auth: basic(key),
      parts: [
        { name: "file", filename: "3f2a9c0d1e4b5a69", contentType: "application/octet-stream", body: image },
        { name: "data", body: data },
      ],
    },
    {
      // requests: form fields precede files; no part content type; the basename as filename.
      client: "python",
      boundary: "7d1b1f5e3c0a4e0b9c2d8f6a5b4e3d2c",
      auth: basic(key),
      parts: [
        { name: "data", body: data },
        { name: "file", filename: fileName, body: image },
      ],
    },
    {
      // CreateFormFile("file", "") then WriteField("data", ...).
      client: "go",
      boundary: "a3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e",
      auth: basic(key),
      parts: [
        { name: "file", filename: "", contentType: "application/octet-stream", body: image },
        { name: "data", body: data },
      ],
    },
    {
      // OkHttp: file then data, octet-stream; toBuffer() sends only the binary header.
      client: "java",
      boundary: "9b2c3e0f-4d1a-4c7e-8a5b-2f6e1d0c9b8a",
      auth: basic(key),
      parts: [
        { name: "file", filename: fileName, contentType: "application/octet-stream", body: image },
        { name: "data", contentType: "text/plain; charset=utf-8", body: data },
      ],
    },
    {
      // Swift: Bearer, data part first, MIME type guessed from the extension.
      client: "swift",
      boundary: "optidash.boundary.1a2b3c4d5e6f7a8b",
      auth: `Bearer ${key}`,
      parts: [
        { name: "data", body: data },
        { name: "file", filename: fileName, contentType: "image/jpeg", body: image },
      ],
    },
  ];
  return shapes.map((s) => ({
    client: s.client,
    headers: { Authorization: s.auth, "Content-Type": `multipart/form-data; boundary=${s.boundary}`, ...s.extra },
    body: multipart(s.parts, s.boundary),
  }));
}
