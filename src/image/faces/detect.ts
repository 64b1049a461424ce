/**
 * Face detection: the image is resampled (Lanczos3, resample.ts) to fit 256×256, placed at the
 * top-left of a mid-grey square (letterbox), scaled to [-1, 1] and run through BlazeFace; boxes
 * come back in the source's pixels. Top-left, not centred: on the test set the centred letterbox
 * scored a cat's face 0.75, the top-left one below the face threshold (docs/faces.md).
 * Detection never fails a request: any error is logged on one line and means "no faces".
 * TensorFlow.js and the model are imported on first use, so requests without faces never
 * evaluate them.
 */
import type { Raster } from "../raster";
import { resize } from "../resample";
import { decodeGrid, GRIDS, INPUT_SIZE, KEEP_THRESHOLD, twoTier, weightedNms, type Detection } from "./decode";

export type { Detection } from "./decode";

/** The square input, the downscaled image at its top-left, and the scale from source to input. */
interface Letterbox {
  input: Float32Array;
  scaleX: number;
  scaleY: number;
}

/** Grey (0 in [-1, 1]) behind transparent pixels and around the image. */
const PAD = 128;

async function letterbox(image: Raster): Promise<Letterbox> {
  const scale = INPUT_SIZE / Math.max(image.width, image.height);
  const width = Math.max(1, Math.min(INPUT_SIZE, Math.round(image.width * scale)));
  const height = Math.max(1, Math.min(INPUT_SIZE, Math.round(image.height * scale)));
  const small = await resize(image, width, height);
  const input = new Float32Array(INPUT_SIZE * INPUT_SIZE * 3).fill(PAD / 127.5 - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 4;
      const to = (y * INPUT_SIZE + x) * 3;
      const alpha = small.data[from + 3]! / 255;
      for (let c = 0; c < 3; c++) input[to + c] = (small.data[from + c]! * alpha + PAD * (1 - alpha)) / 127.5 - 1;
    }
  }
  return { input, scaleX: width / image.width, scaleY: height / image.height };
}

/** Runs the network on one letterboxed input: detections in input pixels. */
async function runModel(input: Float32Array): Promise<Detection[]> {
  const { faceModel, OUTPUTS } = await import("./model");
  const { tfReady } = await import("./runtime");
  const model = await faceModel();
  const tf = await tfReady();
  const tensor = tf.tensor4d(input, [1, INPUT_SIZE, INPUT_SIZE, 3]);
  try {
    const names = [OUTPUTS.scores16, OUTPUTS.boxes16, OUTPUTS.scores32, OUTPUTS.boxes32];
    const outputs = model.execute(tensor, names) as ReturnType<typeof tf.tensor>[];
    const [scores16, boxes16, scores32, boxes32] = outputs.map((t) => t.dataSync() as Float32Array);
    outputs.forEach((t) => t.dispose());
    return [
      ...decodeGrid(GRIDS[0]!, scores16!, boxes16!, INPUT_SIZE, KEEP_THRESHOLD),
      ...decodeGrid(GRIDS[1]!, scores32!, boxes32!, INPUT_SIZE, KEEP_THRESHOLD),
    ];
  } finally {
    tensor.dispose();
  }
}

/** A detection from input pixels to the source's, clipped to the image (null when nothing is left). */
function toSource(d: Detection, box: Letterbox, image: Raster): Detection | null {
  const x1 = Math.max(0, d.x / box.scaleX);
  const y1 = Math.max(0, d.y / box.scaleY);
  const x2 = Math.min(image.width, (d.x + d.width) / box.scaleX);
  const y2 = Math.min(image.height, (d.y + d.height) / box.scaleY);
  if (x2 <= x1 || y2 <= y1) return null;
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1, score: d.score };
}

/** Faces in the image, best first, in its pixel coordinates (not rounded); [] when none or on error. */
export async function detectFaces(image: Raster): Promise<Detection[]> {
  try {
    const box = await letterbox(image);
    const found = twoTier(weightedNms(await runModel(box.input)));
    return found.map((d) => toSource(d, box, image)).filter((d): d is Detection => d !== null);
  } catch (error) {
    console.error(`face detection failed, treating the image as having no faces: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}
