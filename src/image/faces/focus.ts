/**
 * From face boxes to regions: the most prominent face (largest area × score), the box around all
 * faces, a box grown by a percentage, and moving boxes along with the image through later steps
 * (cut, resampled, placed on a larger canvas) until they are in output pixels.
 */
import type { Box, Detection } from "./decode";

export function prominentFace(faces: readonly Detection[]): Detection | undefined {
  let best: Detection | undefined;
  for (const face of faces) {
    if (!best || face.width * face.height * face.score > best.width * best.height * best.score) best = face;
  }
  return best;
}

/** The smallest box holding every box (undefined for none). */
export function unionBox(boxes: readonly Box[]): Box | undefined {
  if (boxes.length === 0) return undefined;
  const x1 = Math.min(...boxes.map((b) => b.x));
  const y1 = Math.min(...boxes.map((b) => b.y));
  const x2 = Math.max(...boxes.map((b) => b.x + b.width));
  const y2 = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** The faces a gravity or crop is about: the prominent one, or all of them, as one box. */
export function faceFocus(faces: readonly Detection[], all: boolean): Box | undefined {
  if (all) return unionBox(faces);
  return prominentFace(faces);
}

/** A box grown by `percent` of its width (height) on the left and right (top and bottom). */
export function growBox(box: Box, percent: number): Box {
  const dx = (box.width * percent) / 100;
  const dy = (box.height * percent) / 100;
  return { x: box.x - dx, y: box.y - dy, width: box.width + 2 * dx, height: box.height + 2 * dy };
}

/** How boxes follow the image: shift by the region cut, scale, then shift by a canvas offset. */
export interface Move {
  cut?: { x: number; y: number };
  scaleX?: number;
  scaleY?: number;
  offset?: { x: number; y: number };
}

export function moveFaces(faces: readonly Detection[], move: Move): Detection[] {
  const sx = move.scaleX ?? 1;
  const sy = move.scaleY ?? 1;
  return faces.map((f) => ({
    x: (f.x - (move.cut?.x ?? 0)) * sx + (move.offset?.x ?? 0),
    y: (f.y - (move.cut?.y ?? 0)) * sy + (move.offset?.y ?? 0),
    width: f.width * sx,
    height: f.height * sy,
    score: f.score,
  }));
}

/** The part of each box inside a width × height image; boxes left with nothing are dropped. */
export function clipFaces(faces: readonly Detection[], width: number, height: number): Detection[] {
  const kept: Detection[] = [];
  for (const f of faces) {
    const x1 = Math.max(0, f.x);
    const y1 = Math.max(0, f.y);
    const x2 = Math.min(width, f.x + f.width);
    const y2 = Math.min(height, f.y + f.height);
    if (x2 - x1 >= 1 && y2 - y1 >= 1) kept.push({ x: x1, y: y1, width: x2 - x1, height: y2 - y1, score: f.score });
  }
  return kept;
}
