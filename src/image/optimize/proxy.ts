/**
 * A representative stand-in for a large image, so the quality search encodes and scores far fewer
 * pixels: a mosaic of tiles taken from a regular grid over the image. Tiles are up to 256 px and
 * start on multiples of 16 pixels, so the JPEG blocks and WebP macroblocks of a tile are the ones
 * the full-size encode will have; each tile is large enough for all six SSIMULACRA2 scales.
 * Images at or under PROXY_PIXELS are their own proxy; the proxy of a larger one covers at most
 * half of it (at least four tiles), so it always saves work.
 */
import { extractRegion, type Region } from "../canvas";
import { createRaster, type Raster } from "../raster";
import { materialise, type StripSource } from "../strips";

/** 768 × 768: 9 tiles of 256 × 256. */
export const PROXY_PIXELS = 768 * 768;
const TILE = 256;
const ALIGN = 16;

export interface Proxy {
  raster: Raster;
  /** Where each tile came from; empty when the proxy is the image itself. */
  tiles: Region[];
  columns: number;
}

export function makeProxy(image: Raster): Proxy {
  const layout = proxyLayout(image.width, image.height);
  if (!layout) return { raster: image, tiles: [], columns: 1 };
  return { raster: mosaic(image, layout.tiles, layout.columns), ...layout };
}

/**
 * The proxy of an image that arrives as strips: the same tiles as makeProxy, collected in one pass.
 * An image at or under PROXY_PIXELS is read whole (its own proxy).
 */
export async function makeProxyFromStrips(source: StripSource): Promise<Proxy> {
  const layout = proxyLayout(source.width, source.height);
  if (!layout) return { raster: await materialise(source), tiles: [], columns: 1 };
  return { raster: await mosaicOfStrips(source, layout.tiles, layout.columns), ...layout };
}

/** Where the tiles of a proxy come from, or undefined when the image is its own proxy. */
function proxyLayout(width: number, height: number): { tiles: Region[]; columns: number } | undefined {
  if (width * height <= PROXY_PIXELS) return undefined;
  const tileWidth = Math.min(TILE, width);
  const tileHeight = Math.min(TILE, height);
  // At most half the image: for images a little over the limit, nine tiles would be most of it.
  const count = Math.max(4, Math.floor(Math.min(PROXY_PIXELS, (width * height) / 2) / (tileWidth * tileHeight)));
  const aspect = width / tileWidth / (height / tileHeight);
  const columns = Math.max(1, Math.min(Math.floor(width / tileWidth), Math.round(Math.sqrt(count * aspect))));
  const rows = Math.max(1, Math.min(Math.floor(height / tileHeight), Math.floor(count / columns)));
  const tiles: Region[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      tiles.push({ x: cellStart(c, columns, width, tileWidth), y: cellStart(r, rows, height, tileHeight), width: tileWidth, height: tileHeight });
    }
  }
  return { tiles, columns };
}

/** The tile centred in cell `index` of `cells`, snapped to the block grid and kept inside. */
function cellStart(index: number, cells: number, size: number, tile: number): number {
  const centre = ((index + 0.5) * size) / cells;
  const start = Math.round((centre - tile / 2) / ALIGN) * ALIGN;
  return Math.max(0, Math.min(size - tile, start));
}

/** The same tiles of another image of the same size (e.g. the decoded full-size output). */
export function mosaic(image: Raster, tiles: readonly Region[], columns: number): Raster {
  if (tiles.length === 0) return image;
  const first = tiles[0]!;
  const rows = Math.ceil(tiles.length / columns);
  const out = createRaster(first.width * columns, first.height * rows, undefined, image.opaque);
  const rowBytes = first.width * 4;
  tiles.forEach((tile, i) => {
    const piece = extractRegion(image, tile);
    const ox = (i % columns) * first.width;
    const oy = Math.floor(i / columns) * first.height;
    for (let y = 0; y < tile.height; y++) {
      out.data.set(piece.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((oy + y) * out.width + ox) * 4);
    }
  });
  return out;
}

/** mosaic() of an image that arrives as strips: each tile's rows are copied as they pass. */
export async function mosaicOfStrips(source: StripSource, tiles: readonly Region[], columns: number): Promise<Raster> {
  const first = tiles[0]!;
  const out = createRaster(first.width * columns, first.height * Math.ceil(tiles.length / columns), undefined, source.opaque);
  const rowBytes = first.width * 4;
  const stride = source.width * 4;
  for await (const strip of source.strips()) {
    const end = strip.top + strip.rows;
    tiles.forEach((tile, i) => {
      const ox = (i % columns) * first.width;
      const oy = Math.floor(i / columns) * first.height;
      for (let y = Math.max(tile.y, strip.top); y < Math.min(tile.y + tile.height, end); y++) {
        const start = (y - strip.top) * stride + tile.x * 4;
        out.data.set(strip.data.subarray(start, start + rowBytes), ((oy + y - tile.y) * out.width + ox) * 4);
      }
    });
  }
  return out;
}
