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
  if (image.width * image.height <= PROXY_PIXELS) return { raster: image, tiles: [], columns: 1 };
  const tileWidth = Math.min(TILE, image.width);
  const tileHeight = Math.min(TILE, image.height);
  // At most half the image: for images a little over the limit, nine tiles would be most of it.
  const count = Math.max(4, Math.floor(Math.min(PROXY_PIXELS, (image.width * image.height) / 2) / (tileWidth * tileHeight)));
  const aspect = image.width / tileWidth / (image.height / tileHeight);
  const columns = Math.max(1, Math.min(Math.floor(image.width / tileWidth), Math.round(Math.sqrt(count * aspect))));
  const rows = Math.max(1, Math.min(Math.floor(image.height / tileHeight), Math.floor(count / columns)));
  const tiles: Region[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      tiles.push({ x: cellStart(c, columns, image.width, tileWidth), y: cellStart(r, rows, image.height, tileHeight), width: tileWidth, height: tileHeight });
    }
  }
  return { raster: mosaic(image, tiles, columns), tiles, columns };
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
