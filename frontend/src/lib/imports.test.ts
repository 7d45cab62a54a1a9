import { describe, expect, it } from "vitest";
import type { ImportPreview, ImportProgress } from "./api-types";
import {
  alreadyImportedSentence,
  dateRangePhrase,
  formatBytes,
  formatFraction,
  previewSentence,
  progressCaption,
  progressRows,
  summarySentence,
  typeProgressLine,
} from "./imports";

const none = { glucose: 0, insulin: 0, meal: 0, sleep: 0, activity: 0 };

function preview(over: Partial<ImportPreview> = {}): ImportPreview {
  return {
    format: "dexcom_clarity",
    format_label: "Dexcom Clarity CSV",
    device: "Dexcom G6",
    unit: "mg/dL",
    timezone: "Europe/Berlin",
    local_times: true,
    start: "2024-03-12T07:00:00+01:00",
    end: "2024-06-09T21:55:00+02:00",
    counts: { ...none, glucose: 26000 },
    rejected: 0,
    estimated: false,
    ...over,
  };
}

describe("previewSentence", () => {
  it("asks in plain words: count, device, date range and the zone the times were read in", () => {
    expect(previewSentence(preview(), { userZone: "UTC", locale: "en-GB" })).toBe(
      "Import 26,000 Dexcom G6 readings from 12 Mar to 9 Jun 2024, times in Europe/Berlin?",
    );
  });

  it("names the zone the person chose, but keeps the dates written in the file", () => {
    expect(previewSentence(preview(), { userZone: "UTC", timezone: "America/New_York", locale: "en-GB" })).toBe(
      "Import 26,000 Dexcom G6 readings from 12 Mar to 9 Jun 2024, times in America/New_York?",
    );
  });

  it("lists every type with rows and names the file when there is more than glucose", () => {
    const p = preview({
      format: "apple_health",
      format_label: "Apple Health export",
      device: null,
      timezone: "from file",
      local_times: false,
      start: "2023-12-30T23:30:00Z",
      end: "2024-01-02T10:00:00Z",
      counts: { glucose: 1234, insulin: 0, meal: 45, sleep: 1, activity: 3 },
    });
    // No zone in the question: the file's times carry their offsets. Dates are the user's (Berlin: 31 Dec).
    expect(previewSentence(p, { userZone: "Europe/Berlin", locale: "en-GB" })).toBe(
      "Import 1,234 glucose readings, 45 meals, 1 sleep entry and 3 activities (Apple Health export) from 31 Dec 2023 to 2 Jan 2024?",
    );
  });

  it("says 'about' for counts estimated from the first part of a large file, whose end it does not know", () => {
    expect(previewSentence(preview({ estimated: true }), { userZone: "UTC", locale: "en-GB" })).toBe(
      "Import about 26,000 Dexcom G6 readings starting 12 Mar 2024, times in Europe/Berlin?",
    );
  });

  it("writes numbers and dates in the person's locale", () => {
    expect(previewSentence(preview(), { userZone: "UTC", locale: "de-DE" })).toBe(
      "Import 26.000 Dexcom G6 readings from 12. März to 9. Juni 2024, times in Europe/Berlin?",
    );
    expect(previewSentence(preview(), { userZone: "UTC", locale: "en-US" })).toBe(
      "Import 26,000 Dexcom G6 readings from Mar 12 to Jun 9, 2024, times in Europe/Berlin?",
    );
  });

  it("says so when the file holds nothing to import", () => {
    expect(previewSentence(preview({ counts: none }), { userZone: "UTC", locale: "en-GB" })).toBe(
      "This Dexcom Clarity CSV has nothing to import.",
    );
  });

  it("one day is 'on' that day; one reading is singular", () => {
    const p = preview({ start: "2024-03-12T07:00:00+01:00", end: "2024-03-12T07:00:00+01:00", counts: { ...none, glucose: 1 } });
    expect(previewSentence(p, { userZone: "UTC", locale: "en-GB" })).toBe(
      "Import 1 Dexcom G6 reading on 12 Mar 2024, times in Europe/Berlin?",
    );
  });
});

describe("dateRangePhrase", () => {
  it("writes the year once when both ends share it, and both years otherwise", () => {
    expect(dateRangePhrase("2024-03-12T10:00:00Z", "2024-06-09T10:00:00Z", "UTC", "en-GB")).toBe("from 12 Mar to 9 Jun 2024");
    expect(dateRangePhrase("2023-12-12T10:00:00Z", "2024-01-09T10:00:00Z", "UTC", "en-GB")).toBe("from 12 Dec 2023 to 9 Jan 2024");
  });
});

const counts = {
  glucose: { read: 12000, inserted: 11500, duplicates: 480, rejected: 20 },
  meal: { read: 3, inserted: 3, duplicates: 0, rejected: 0 },
  insulin: { read: 0, inserted: 0, duplicates: 0, rejected: 0 },
};
const progress: ImportProgress = {
  phase: "importing",
  bytes_read: 12.5 * 1024 * 1024,
  bytes_total: 50 * 1024 * 1024,
  fraction: 0.25,
  counts,
};

describe("progress formatting", () => {
  it("captions the bar with bytes read and a whole percent", () => {
    expect(progressCaption(progress, "en-GB")).toBe("12.5 MB of 50 MB read · 25%");
  });

  it("never shows 100% before the job is done, and 100% when it is", () => {
    expect(formatFraction(0.996)).toBe("99%");
    expect(formatFraction(1)).toBe("99%");
    expect(formatFraction(1, true)).toBe("100%");
    expect(formatFraction(Number.NaN)).toBe("0%");
    expect(progressCaption({ ...progress, phase: "done", fraction: 1, bytes_read: progress.bytes_total }, "en-GB")).toBe(
      "50 MB of 50 MB read · 100%",
    );
  });

  it("writes each type's counts, leaving out what is zero", () => {
    expect(typeProgressLine(counts.glucose, "en-GB")).toBe("12,000 read: 11,500 added, 480 duplicates skipped, 20 rejected");
    expect(typeProgressLine(counts.meal, "en-GB")).toBe("3 read: 3 added");
  });

  it("lists types with rows in the page's order", () => {
    expect(progressRows(progress).map((r) => r.type)).toEqual(["glucose", "meal"]);
  });

  it("sizes files in B, kB, MB and GB", () => {
    expect(formatBytes(512, "en-GB")).toBe("512 B");
    expect(formatBytes(1536, "en-GB")).toBe("1.5 kB");
    expect(formatBytes(200 * 1024 * 1024, "en-GB")).toBe("200 MB");
    expect(formatBytes(3.25 * 1024 ** 3, "en-GB")).toBe("3.3 GB");
  });
});

describe("summary", () => {
  it("sums up a finished import: added per type, duplicates skipped, rows rejected", () => {
    expect(summarySentence({ progress, rejected_total: 20 }, "en-GB")).toBe(
      "Added 11,500 glucose readings and 3 meals, 480 already in your account were skipped and 20 rows were rejected.",
    );
  });

  it("says when nothing new was added", () => {
    const dup = { ...progress, counts: { glucose: { read: 5, inserted: 0, duplicates: 5, rejected: 0 } } };
    expect(summarySentence({ progress: dup, rejected_total: 0 }, "en-GB")).toBe(
      "Nothing new was added and 5 already in your account were skipped.",
    );
  });

  it("says when the same file was imported before", () => {
    expect(alreadyImportedSentence("2026-11-03T22:30:00Z", "Europe/Berlin", "en-GB")).toBe(
      "This file was imported on 3 Nov 2026; nothing new to add.",
    );
    expect(alreadyImportedSentence(null, "UTC")).toBe("This file was imported before; nothing new to add.");
  });
});
