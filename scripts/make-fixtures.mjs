// Regenerates the small committed test fixtures from scikit-image's sample photographs
// (Debian package python3-skimage; see test/fixtures/README.md for sources and licences).
//   cd /tmp && apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb skimg
//   node scripts/make-fixtures.mjs /tmp/skimg/usr/lib/python3/dist-packages/skimage/data
import sharp from "sharp";
import { copyFile, readFile } from "node:fs/promises";
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

// Faces (docs/faces.md). A group: the astronaut's head and four faces from the LFW subset that
// scikit-image ships (lfw_subset.npy: 25×25 greyscale, float64 in [0, 1]), enlarged to 96×96, on
// blurred grass. A small face off-centre: the astronaut, 90×90, near the right edge of the rocket scene.
const npy = await readFile(src("lfw_subset.npy"));
const lfwRaw = npy.subarray(10 + npy.readUInt16LE(8));
const lfwValues = new Float64Array(lfwRaw.buffer.slice(lfwRaw.byteOffset, lfwRaw.byteOffset + lfwRaw.length));
const lfwMax = lfwValues.reduce((m, v) => Math.max(m, v), 0);
const lfwGrey = (i) => Buffer.from(Array.from(lfwValues.subarray(i * 625, (i + 1) * 625), (v) => Math.round((v / lfwMax) * 255)));
const lfw = (i, size) => sharp(lfwGrey(i), { raw: { width: 25, height: 25, channels: 1 } }).resize(size, size, { kernel: "lanczos3" }).toColourspace("srgb").png().toBuffer();
const grass = await sharp(src("grass.png")).resize(560, 320).blur(3).modulate({ brightness: 0.9 }).toBuffer();
const head = await sharp(src("astronaut.png")).extract({ left: 140, top: 30, width: 180, height: 200 }).resize(110, 122).toBuffer();
const lfwFaces = await Promise.all([3, 11, 25, 40].map((i) => lfw(i, 96)));
await sharp(grass)
  .composite([
    { input: head, left: 20, top: 100 },
    { input: lfwFaces[0], left: 150, top: 40 },
    { input: lfwFaces[1], left: 270, top: 150 },
    { input: lfwFaces[2], left: 330, top: 30 },
    { input: lfwFaces[3], left: 440, top: 170 },
  ])
  .jpeg({ quality: 82, mozjpeg: true })
  .toFile(out("faces-group.jpg"));
const smallHead = await sharp(src("astronaut.png")).extract({ left: 100, top: 0, width: 300, height: 300 }).resize(90, 90).toBuffer();
await sharp(src("rocket.jpg"))
  .resize(480, 300, { fit: "cover" })
  .composite([{ input: smallHead, left: 370, top: 40 }])
  .jpeg({ quality: 82, mozjpeg: true })
  .toFile(out("face-offcentre.jpg"));
