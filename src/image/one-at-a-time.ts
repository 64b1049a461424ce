/**
 * One image job at a time per isolate. The isolate's 128 MB are shared by its concurrent requests
 * and its CPU is one thread anyway, so running decodes and encodes one after another costs no
 * throughput while it keeps the peak memory that of a single job (the pixel limits are measured
 * for one). Waiting jobs queue in arrival order; a failed job does not hold up the next.
 */
let tail: Promise<unknown> = Promise.resolve();

export function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const result = tail.then(job);
  tail = result.catch(() => undefined);
  return result;
}
