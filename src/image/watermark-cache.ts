/**
 * Decoded watermarks kept per isolate, least recently used first out, within a byte budget (the
 * rasters' pixel bytes). An entry is found only under its key (account/id) and the stored object's
 * etag, so a watermark replaced or deleted through another isolate is never served from here;
 * deletes through this isolate evict at once. Cached rasters are shared: nothing may write to them.
 */
import type { Raster } from "./raster";

/** Total pixel bytes of the cached rasters: 8 MiB, e.g. eight 512×512 or two 1024×1024 RGBA watermarks. */
export const WATERMARK_CACHE_BYTES = 8 * 1024 * 1024;

interface Entry {
  etag: string;
  raster: Raster;
}

export class RasterCache {
  private readonly entries = new Map<string, Entry>();
  private used = 0;

  constructor(readonly budget: number) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The raster cached under key and etag (now the most recently used), or undefined. */
  get(key: string, etag: string): Raster | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.etag !== etag) {
      this.evict(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.raster;
  }

  /** Caches a raster, evicting the least recently used ones to stay within the budget. */
  set(key: string, etag: string, raster: Raster): void {
    this.evict(key);
    const size = raster.data.byteLength;
    if (size > this.budget) return;
    while (this.used + size > this.budget) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.evict(oldest);
    }
    this.entries.set(key, { etag, raster });
    this.used += size;
  }

  evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.raster.data.byteLength;
  }
}

/** The isolate's cache of decoded watermarks. */
export const watermarkCache = new RasterCache(WATERMARK_CACHE_BYTES);
