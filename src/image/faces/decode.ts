/**
 * BlazeFace output decoding, no tensors: the 896 fixed anchors of the 256×256 "back" model
 * (a 16×16 grid with 2 anchors per cell, then an 8×8 grid with 6), boxes decoded from the
 * regressors in input pixels, weighted non-maximum suppression (overlapping detections are
 * averaged by score, as MediaPipe does), and the two-tier score rule.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection extends Box {
  score: number;
}

/** One anchor grid: its cells per side and anchors per cell. */
export interface Grid {
  cells: number;
  perCell: number;
}

/** Input side of the network, pixels. */
export const INPUT_SIZE = 256;

/** The grids of the 256 input: strides 16 and 32. */
export const GRIDS: readonly Grid[] = [
  { cells: 16, perCell: 2 },
  { cells: 8, perCell: 6 },
];

/** An image has faces only when its best detection scores at least this... */
export const FACE_THRESHOLD = 0.7;
/** ...and then every detection that scores at least this is kept. */
export const KEEP_THRESHOLD = 0.5;
/** Detections that overlap more than this are the same face. */
const MERGE_IOU = 0.3;
/** Values of each regressor row: box centre offset, size, then 6 keypoints (unused). */
const REGRESSORS = 16;

/** Anchor centres of one grid, in [0, 1], cell by cell (row-major), the cell's anchors together. */
export function anchorCentres(grid: Grid): Array<{ x: number; y: number }> {
  const centres: Array<{ x: number; y: number }> = [];
  for (let row = 0; row < grid.cells; row++) {
    for (let col = 0; col < grid.cells; col++) {
      for (let k = 0; k < grid.perCell; k++) centres.push({ x: (col + 0.5) / grid.cells, y: (row + 0.5) / grid.cells });
    }
  }
  return centres;
}

function sigmoid(raw: number): number {
  return 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, raw))));
}

/**
 * Decodes one grid's raw scores (one per anchor) and regressors (16 per anchor) into detections
 * scoring at least `minScore`, in the input's pixels (`size` × `size`).
 */
export function decodeGrid(grid: Grid, scores: Float32Array, boxes: Float32Array, size: number, minScore: number): Detection[] {
  const anchors = anchorCentres(grid);
  if (scores.length !== anchors.length || boxes.length !== anchors.length * REGRESSORS) {
    throw new Error(`face model output has ${scores.length} scores for ${anchors.length} anchors`);
  }
  const found: Detection[] = [];
  anchors.forEach((anchor, i) => {
    const score = sigmoid(scores[i]!);
    if (score < minScore) return;
    const at = i * REGRESSORS;
    const cx = anchor.x * size + boxes[at]!;
    const cy = anchor.y * size + boxes[at + 1]!;
    const width = boxes[at + 2]!;
    const height = boxes[at + 3]!;
    if (!(width > 0 && height > 0)) return;
    found.push({ x: cx - width / 2, y: cy - height / 2, width, height, score });
  });
  return found;
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** The score-weighted average of a cluster of boxes, with the best one's score. */
function mergeCluster(cluster: Detection[]): Detection {
  let total = 0;
  let x1 = 0;
  let y1 = 0;
  let x2 = 0;
  let y2 = 0;
  for (const d of cluster) {
    total += d.score;
    x1 += d.x * d.score;
    y1 += d.y * d.score;
    x2 += (d.x + d.width) * d.score;
    y2 += (d.y + d.height) * d.score;
  }
  const [x, y] = [x1 / total, y1 / total];
  return { x, y, width: x2 / total - x, height: y2 / total - y, score: cluster[0]!.score };
}

/** Weighted non-maximum suppression: best first, each with the detections that overlap it. */
export function weightedNms(detections: readonly Detection[]): Detection[] {
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    const cluster = remaining.filter((d) => iou(best, d) > MERGE_IOU);
    remaining = remaining.filter((d) => iou(best, d) <= MERGE_IOU);
    kept.push(mergeCluster(cluster.length > 0 ? cluster : [best]));
  }
  return kept;
}

/** The two-tier rule: no faces unless one is certain, then every probable one. */
export function twoTier(detections: readonly Detection[]): Detection[] {
  const best = Math.max(0, ...detections.map((d) => d.score));
  if (best < FACE_THRESHOLD) return [];
  return detections.filter((d) => d.score >= KEEP_THRESHOLD);
}
