/**
 * Typed readers for the fields of the request document. Every failure is a 422 whose message names
 * the section and parameter in the style "Resize 'width' parameter must be a positive integer".
 * Numeric strings such as "768" are accepted where a number is expected (the Swift client sends
 * them); null means "not given" (some clients serialise every field they know).
 */
import { unprocessable } from "../errors";

export type Section = Record<string, unknown>;

/** "resize" -> "Resize", used at the start of messages. */
export function title(section: string): string {
  return section.charAt(0).toUpperCase() + section.slice(1);
}

export function fail(section: string, key: string, rule: string): never {
  throw unprocessable(`${title(section)} '${key}' parameter ${rule}`);
}

/** The section object, or undefined when absent/null; anything else is a 422. */
export function sectionOf(value: unknown, section: string): Section | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw unprocessable(`'${section}' must be an object`);
  return value as Section;
}

/** Refuses keys a section does not know, so typos are not silently ignored. */
export function onlyKeys(obj: Section, section: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw unprocessable(`${title(section)} has no '${key}' parameter; allowed: ${allowed.map((k) => `'${k}'`).join(", ")}`);
    }
  }
}

function present(obj: Section, key: string): boolean {
  return obj[key] !== undefined && obj[key] !== null;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

export function optionalNumber(obj: Section, section: string, key: string, min: number, max: number): number | undefined {
  if (!present(obj, key)) return undefined;
  const n = asNumber(obj[key]);
  if (n === undefined || n < min || n > max) fail(section, key, `must be a number from ${min} to ${max}`);
  return n;
}

export function optionalInt(obj: Section, section: string, key: string, min: number, max: number): number | undefined {
  if (!present(obj, key)) return undefined;
  const n = asNumber(obj[key]);
  const positive = min === 1 ? "a positive integer" : `an integer from ${min} to ${max}`;
  if (n === undefined || !Number.isInteger(n)) fail(section, key, `must be ${positive}`);
  if (n < min || n > max) fail(section, key, min === 1 ? `must be a positive integer of at most ${max}` : `must be an integer from ${min} to ${max}`);
  return n;
}

export function optionalBool(obj: Section, section: string, key: string): boolean | undefined {
  if (!present(obj, key)) return undefined;
  const value = obj[key];
  if (value === true || value === "true" || value === 1 || value === "1") return true;
  if (value === false || value === "false" || value === 0 || value === "0") return false;
  return fail(section, key, "must be a boolean");
}

export function optionalEnum<T extends string>(obj: Section, section: string, key: string, values: readonly T[]): T | undefined {
  if (!present(obj, key)) return undefined;
  const value = obj[key];
  if (typeof value !== "string" || !values.includes(value.toLowerCase() as T)) {
    fail(section, key, `must be one of ${values.map((v) => `'${v}'`).join(", ")}`);
  }
  return value.toLowerCase() as T;
}

export function optionalString(obj: Section, section: string, key: string, maxLength = 2048): string | undefined {
  if (!present(obj, key)) return undefined;
  const value = obj[key];
  if (typeof value !== "string" || value.length > maxLength) fail(section, key, `must be a string of at most ${maxLength} characters`);
  return value;
}
