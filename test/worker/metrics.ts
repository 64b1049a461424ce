/** Image comparison for tests: PSNR over RGB and a windowed SSIM on luma (8×8 blocks). */
import type { Raster } from "../../src/image/raster";

export function psnr(a: Raster, b: Raster): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a.data[i + c]! - b.data[i + c]!;
      sum += d * d;
    }
  }
  const mse = sum / ((a.data.length / 4) * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function luma(r: Raster): Float64Array {
  const out = new Float64Array(r.width * r.height);
  for (let i = 0, p = 0; p < out.length; i += 4, p++) out[p] = 0.299 * r.data[i]! + 0.587 * r.data[i + 1]! + 0.114 * r.data[i + 2]!;
  return out;
}

export function ssim(a: Raster, b: Raster, block = 8): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  const x = luma(a);
  const y = luma(b);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  let count = 0;
  for (let by = 0; by + block <= a.height; by += block) {
    for (let bx = 0; bx + block <= a.width; bx += block) {
      let mx = 0, my = 0;
      for (let j = 0; j < block; j++) for (let i = 0; i < block; i++) {
        const p = (by + j) * a.width + bx + i;
        mx += x[p]!;
        my += y[p]!;
      }
      const n = block * block;
      mx /= n;
      my /= n;
      let vx = 0, vy = 0, cov = 0;
      for (let j = 0; j < block; j++) for (let i = 0; i < block; i++) {
        const p = (by + j) * a.width + bx + i;
        vx += (x[p]! - mx) ** 2;
        vy += (y[p]! - my) ** 2;
        cov += (x[p]! - mx) * (y[p]! - my);
      }
      vx /= n - 1;
      vy /= n - 1;
      cov /= n - 1;
      total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      count++;
    }
  }
  return total / count;
}

export function pixel(r: Raster, x: number, y: number): [number, number, number, number] {
  const i = (y * r.width + x) * 4;
  return [r.data[i]!, r.data[i + 1]!, r.data[i + 2]!, r.data[i + 3]!];
}
