/** Colours of the request document: hex RGB, RRGGBB or RRGGBBAA, with or without '#'. */
import { fail, type Section } from "./fields";

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

export const WHITE: Rgba = { r: 255, g: 255, b: 255, a: 255 };
export const TRANSPARENT: Rgba = { r: 0, g: 0, b: 0, a: 0 };

export function parseColor(value: string): Rgba | undefined {
  const hex = value.trim().replace(/^#/, "");
  if (!/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const byte = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  if (hex.length === 3) {
    const [r, g, b] = [...hex].map((ch) => parseInt(ch + ch, 16)) as [number, number, number];
    return { r, g, b, a: 255 };
  }
  if (hex.length === 6) return { r: byte(0), g: byte(2), b: byte(4), a: 255 };
  if (hex.length === 8) return { r: byte(0), g: byte(2), b: byte(4), a: byte(6) };
  return undefined;
}

export function optionalColor(obj: Section, section: string, key: string): Rgba | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  const color = typeof value === "string" ? parseColor(value) : undefined;
  if (!color) fail(section, key, "must be a hex colour: RGB, RRGGBB or RRGGBBAA, with or without '#'");
  return color;
}
