import { describe, expect, it } from "vitest";
import { oneAtATime } from "../../src/image/one-at-a-time";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("one image job at a time per isolate", () => {
  it("never overlaps jobs and keeps their order", async () => {
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const job = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      events.push(`start ${name}`);
      await tick();
      events.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(["a", "b", "c"].map((n) => oneAtATime(job(n))));
    expect(results).toEqual(["a", "b", "c"]);
    expect(most).toBe(1);
    expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("lets the next job run after one fails", async () => {
    const failed = oneAtATime(async () => {
      await tick();
      throw new Error("bad image");
    });
    const next = oneAtATime(async () => "ok");
    await expect(failed).rejects.toThrow("bad image");
    await expect(next).resolves.toBe("ok");
  });
});
