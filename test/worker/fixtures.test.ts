import { describe, expect, it } from "vitest";
import { fixture } from "./fixtures";

describe("fixtures", () => {
  it("are handed to workerd byte for byte", async () => {
    const bytes = fixture("chelsea.jpg");
    expect(bytes.length).toBe(34288);
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0xff, 0xd8, 0xff]);
  });
});
