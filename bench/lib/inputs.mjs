// Benchmark inputs, generated once into bench/.cache (never committed): large "photos" tiled from
// the real photographs in test/fixtures at their native resolution (so the content has real
// photographic detail, not upscaled blur), encoded like camera/wallpaper JPEGs.
import sharp from "sharp";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const cache = join(root, "bench", ".cache");
const PHOTOS = ["rocket.jpg", "chelsea.jpg", "astronaut.jpg", "coffee.png", "chelsea-progressive.jpg"];

async function tiled(width, height, seed) {
  const tiles = await Promise.all(PHOTOS.map((name) => sharp(join(root, "test", "fixtures", name)).rotate().removeAlpha().toBuffer({ resolveWithObject: true })));
  const composites = [];
  let i = seed;
  for (let y = 0; y < height; ) {
    let rowHeight = 0;
    for (let x = 0; x < width; ) {
      const tile = tiles[i++ % tiles.length];
      composites.push({ input: tile.data, left: x, top: y });
      x += tile.info.width;
      rowHeight = Math.max(rowHeight, tile.info.height);
    }
    y += rowHeight;
  }
  return sharp({ create: { width, height, channels: 3, background: "#808080" } }).composite(composites).png().toBuffer().then((png) => sharp(png));
}

async function make(name, build) {
  const file = join(cache, name);
  if (!existsSync(file)) writeFileSync(file, await build());
  return new Uint8Array(readFileSync(file));
}

export async function benchInputs() {
  mkdirSync(cache, { recursive: true });
  return {
    large: await make("large-3840x2400.jpg", async () => (await tiled(3840, 2400, 0)).jpeg({ quality: 92, chromaSubsampling: "4:2:0" }).toBuffer()),
    huge: await make("huge-6000x4000.jpg", async () => (await tiled(6000, 4000, 2)).jpeg({ quality: 92, chromaSubsampling: "4:2:0" }).toBuffer()),
    photo1200: await make("photo-1200x800.jpg", async () => (await tiled(1200, 800, 3)).jpeg({ quality: 90 }).toBuffer()),
    photo800: await make("photo-800.jpg", async () => (await tiled(800, 533, 1)).jpeg({ quality: 90 }).toBuffer()),
    // A 1920×1080 photo with an off-centre face: the face fixture enlarged (a portrait at HD size).
    faces1080: await make("faces-1920x1080.jpg", async () => sharp(join(root, "test", "fixtures", "face-offcentre.jpg")).resize(1920, 1080, { fit: "cover", kernel: "lanczos3" }).jpeg({ quality: 90 }).toBuffer()),
    png800: await make("photo-800.png", async () => (await tiled(800, 533, 1)).png({ compressionLevel: 1 }).toBuffer()),
  };
}
