// Regenerates the small committed test fixtures from scikit-image's sample photographs
// (Debian package python3-skimage; see test/fixtures/README.md for sources and licences).
//   cd /tmp && apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb skimg
//   node scripts/make-fixtures.mjs /tmp/skimg/usr/lib/python3/dist-packages/skimage/data
import sharp from "sharp";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";

const data = process.argv[2];
if (!data) throw new Error("usage: node scripts/make-fixtures.mjs <skimage data dir>");
const out = (name) => join("test/fixtures", name);
const src = (name) => join(data, name);

await sharp(src("chelsea.png")).jpeg({ quality: 90, chromaSubsampling: "4:2:0", mozjpeg: false }).toFile(out("chelsea.jpg"));
await sharp(src("chelsea.png")).jpeg({ quality: 75, chromaSubsampling: "4:4:4", progressive: true, mozjpeg: false }).toFile(out("chelsea-progressive.jpg"));
await sharp(src("chelsea.png")).rotate(270).jpeg({ quality: 85 }).withMetadata({ orientation: 6 }).toFile(out("chelsea-orientation6.jpg"));
await sharp(src("chelsea.png")).webp({ quality: 80 }).toFile(out("chelsea.webp"));
await sharp(src("chelsea.png")).avif({ quality: 50, effort: 2 }).toFile(out("chelsea.avif"));
await sharp(src("coffee.png")).resize(300, 200).png({ compressionLevel: 9, adaptiveFiltering: true }).toFile(out("coffee.png"));
await sharp(src("coffee.png")).resize(300, 200).toColourspace("rgb16").png().toFile(out("coffee-16bit.png"));
// The logo's own alpha is fully opaque: make its white background transparent (soft edge).
const logo = await sharp(src("logo.png")).resize(250, 250).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const rgba = Buffer.alloc(logo.info.width * logo.info.height * 4);
for (let i = 0, j = 0; i < logo.data.length; i += 3, j += 4) {
  const r = logo.data[i], g = logo.data[i + 1], b = logo.data[i + 2];
  rgba[j] = r; rgba[j + 1] = g; rgba[j + 2] = b;
  rgba[j + 3] = Math.max(0, Math.min(255, (255 - Math.min(r, g, b)) * 4));
}
const logoRaw = () => sharp(rgba, { raw: { width: logo.info.width, height: logo.info.height, channels: 4 } });
await logoRaw().png({ compressionLevel: 9 }).toFile(out("logo.png"));
await logoRaw().webp({ quality: 85, alphaQuality: 100 }).toFile(out("logo.webp"));
await logoRaw().avif({ quality: 60, effort: 2 }).toFile(out("logo.avif"));
await sharp(src("camera.png")).resize(256, 256).toColourspace("b-w").jpeg({ quality: 85 }).toFile(out("camera-gray.jpg"));
await sharp(src("astronaut.png")).jpeg({ quality: 85, mozjpeg: true }).toFile(out("astronaut.jpg"));
await copyFile(src("rocket.jpg"), out("rocket.jpg"));
await copyFile(src("palette_color.png"), out("palette-color.png"));
await copyFile(src("truncated.jpg"), out("truncated.jpg"));
