/** What the API says about each format: its name in documents, MIME type and file extension. */
import type { ImageFormat } from "./probe";

export interface FormatInfo {
  name: string;
  mime: string;
  extension: string;
}

export const FORMATS: Readonly<Record<ImageFormat, FormatInfo>> = {
  jpeg: { name: "JPEG", mime: "image/jpeg", extension: "jpg" },
  png: { name: "PNG", mime: "image/png", extension: "png" },
  webp: { name: "WEBP", mime: "image/webp", extension: "webp" },
  avif: { name: "AVIF", mime: "image/avif", extension: "avif" },
  gif: { name: "GIF", mime: "image/gif", extension: "gif" },
};

/** The name with its extension replaced by the format's ("photo.png" -> "photo.webp"). */
export function renameFor(name: string, format: ImageFormat): string {
  const dot = name.lastIndexOf(".");
  const base = dot > 0 ? name.slice(0, dot) : name;
  return `${base}.${FORMATS[format].extension}`;
}
