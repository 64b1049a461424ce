/**
 * The quality search: the smallest encoder quality whose score reaches a target, in a handful of
 * encodes. Scores rise with quality and flatten towards 100, roughly as 100 − a·e^(−q/b), so the
 * search works on d = ln(100 − score), which is close to linear in quality: it keeps a bracket
 * (the highest failing and the lowest passing quality tried), steps from a single point with the
 * prior's rate, and interpolates linearly in d between two points (secant). It starts from a
 * per-format, per-target prior, so most images need 2–4 trials; it stops as soon as a passing trial
 * is within one quality step's worth of score of the target (closeEnough). When the budget is spent without
 * any passing quality it keeps climbing: meeting the target matters more than the encode count.
 */

export interface Trial {
  quality: number;
  bytes: Uint8Array;
  score: number;
}

export interface SearchSpace {
  min: number;
  max: number;
  /** Where to start for this target. */
  start: number;
  /** Expected score gained per quality step near the target (a prior; measured pairs replace it). */
  slope: number;
}

export interface SearchResult {
  /** The smallest passing quality tried, or the highest quality tried when none passes. */
  best: Trial;
  trials: Trial[];
}

/** Stops refining once the bracket is this narrow. */
const RESOLUTION = 1;

export async function searchQuality(evaluate: (quality: number) => Promise<Trial>, target: number, space: SearchSpace, budget = 4): Promise<SearchResult> {
  const trials: Trial[] = [];
  let pass: Trial | undefined;
  let fail: Trial | undefined;
  let next: number | undefined = clamp(space.start, space);
  while (next !== undefined) {
    const trial = await evaluate(next);
    trials.push(trial);
    if (trial.score >= target) {
      if (!pass || trial.quality < pass.quality) pass = trial;
    } else if (!fail || trial.quality > fail.quality) {
      fail = trial;
    }
    if (pass && closeEnough(pass, fail, target)) break;
    next = nextQuality(pass, fail, target, space, trials);
    if (pass && trials.length >= budget) break;
  }
  const best = pass ?? trials.reduce((a, b) => (b.quality > a.quality ? b : a));
  return { best, trials };
}

/**
 * A passing trial less than one quality step's worth of score above the target, measured on the
 * bracket (the slope between the highest failing and the lowest passing trial): one step lower
 * would most likely fail, so another encode would buy nothing. Without a failing trial the slope is
 * unknown (the prior's can be off by 2× near 100) and the search goes on.
 */
function closeEnough(pass: Trial, fail: Trial | undefined, target: number): boolean {
  if (!fail || pass.quality <= fail.quality) return false;
  const perStep = (pass.score - fail.score) / (pass.quality - fail.quality);
  return pass.score - target < perStep;
}

function clamp(quality: number, space: SearchSpace): number {
  return Math.max(space.min, Math.min(space.max, Math.round(quality)));
}

/** Distance of a score from 100 on a log scale: close to linear in encoder quality. */
function distance(score: number): number {
  return Math.log(Math.max(100.5 - score, 0.5));
}

function nextQuality(pass: Trial | undefined, fail: Trial | undefined, target: number, space: SearchSpace, trials: Trial[]): number | undefined {
  const tried = new Set(trials.map((t) => t.quality));
  const goal = distance(target);
  let candidate: number;
  if (pass && fail) {
    if (pass.quality - fail.quality <= RESOLUTION) return undefined;
    const rate = (distance(fail.score) - distance(pass.score)) / (pass.quality - fail.quality);
    const guess = rate > 0 ? fail.quality + (distance(fail.score) - goal) / rate : (pass.quality + fail.quality) / 2;
    candidate = Math.min(pass.quality - 1, Math.max(fail.quality + 1, Math.ceil(guess)));
  } else if (pass) {
    if (pass.quality <= space.min) return undefined;
    const step = Math.max(1, Math.floor((goal - distance(pass.score)) / localRate(trials, space, target)));
    candidate = clamp(pass.quality - step, space);
  } else if (fail) {
    if (fail.quality >= space.max) return undefined;
    const step = Math.max(1, Math.ceil((distance(fail.score) - goal) / localRate(trials, space, target)));
    candidate = clamp(fail.quality + step, space);
  } else {
    return undefined;
  }
  return tried.has(candidate) ? undefined : candidate;
}

/**
 * How fast the log distance falls per quality step: from the two most recent trials when they
 * show a clear fall, else from the prior (its score slope at the target, divided by 100 − target).
 */
function localRate(trials: Trial[], space: SearchSpace, target: number): number {
  const [a, b] = trials.slice(-2);
  if (a && b && a.quality !== b.quality) {
    const rate = (distance(a.score) - distance(b.score)) / (b.quality - a.quality);
    if (rate > 0.002) return rate;
  }
  return space.slope / Math.max(1, 100 - target);
}
