import { describe, expect, it } from "vitest";
import { deletionSentence, describeCounts, sourceLabel } from "./sources";

describe("deletionSentence", () => {
  it("names every kind the deletion preview counts, with thousands separators", () => {
    expect(deletionSentence({ glucose: 12345, insulin: 0, meals: 20, sleep: 0, activities: 0 })).toBe(
      "This deletes 12,345 glucose readings and 20 meals.",
    );
    expect(deletionSentence({ glucose: 1, insulin: 2, meals: 1, sleep: 3, activities: 1 })).toBe(
      "This deletes 1 glucose reading, 2 insulin doses, 3 sleep entries, 1 meal and 1 activity.",
    );
  });

  it("says that nothing would be deleted when nothing matches", () => {
    expect(deletionSentence({ glucose: 0, insulin: 0, meals: 0, sleep: 0, activities: 0 })).toBe(
      "Nothing matches this choice, so nothing would be deleted.",
    );
  });
});

describe("sources", () => {
  it("names the importers' sources for people", () => {
    expect(sourceLabel("dexcom_clarity")).toBe("Dexcom Clarity");
    expect(sourceLabel("my-app")).toBe("my-app");
    expect(describeCounts({ glucose: 2 })).toBe("2 glucose readings");
  });
});
