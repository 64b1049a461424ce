// The quality search on known score curves: it must return the smallest quality meeting the target
// (or the closest passing one when a bracket of one step is reached) within its budget.
import { describe, expect, it } from "vitest";
import { searchQuality, type SearchSpace, type Trial } from "../../src/image/optimize/search";

/** A score curve like JPEG's: steep at low quality, flattening towards 100. */
function curve(shift: number): (q: number) => number {
  return (q) => 100 - 90 * Math.exp(-(q - shift) / 30);
}

function evaluator(score: (q: number) => number) {
  const calls: number[] = [];
  return {
    calls,
    evaluate: async (quality: number): Promise<Trial> => {
      calls.push(quality);
      return { quality, bytes: new Uint8Array(quality * 10), score: score(quality) };
    },
  };
}

function smallestPassing(score: (q: number) => number, target: number, space: SearchSpace): number {
  for (let q = space.min; q <= space.max; q++) if (score(q) >= target) return q;
  return space.max;
}

describe("searchQuality", () => {
  const space: SearchSpace = { min: 5, max: 100, start: 78, slope: 0.8 };

  it.each([
    [0, 80],
    [-20, 80],
    [20, 80],
    [10, 90],
    [-10, 70],
  ])("curve shifted %i, target %i: the exact smallest quality within a few trials", async (shift, target) => {
    const score = curve(shift);
    const { evaluate, calls } = evaluator(score);
    const { best } = await searchQuality(evaluate, target, space);
    expect(best.score).toBeGreaterThanOrEqual(target);
    expect(best.quality - smallestPassing(score, target, space)).toBeLessThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(new Set(calls).size).toBe(calls.length); // never the same quality twice
  });

  it("keeps climbing past the budget until the target is met", async () => {
    const score = curve(60); // needs q ≈ 100
    const { evaluate } = evaluator(score);
    const { best } = await searchQuality(evaluate, 75, { ...space, start: 20 }, 2);
    expect(best.score).toBeGreaterThanOrEqual(75);
  });

  it("returns the highest quality tried when no quality meets the target", async () => {
    const { evaluate, calls } = evaluator(() => 50);
    const { best } = await searchQuality(evaluate, 80, space);
    expect(best.quality).toBe(100);
    expect(calls).toContain(100);
  });

  it("stops at the lowest quality when everything passes", async () => {
    const { evaluate } = evaluator(() => 99);
    const { best } = await searchQuality(evaluate, 80, space);
    expect(best.quality).toBe(5);
  });
});
