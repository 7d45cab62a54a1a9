import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ImportJob } from "@/lib/api-types";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { ImportJobPanel } from "./import-job";

const base: ImportJob = {
  id: "j1",
  status: "awaiting_confirmation",
  filename: "Clarity_Export.csv",
  size_bytes: 27_509,
  format: "dexcom_clarity",
  format_label: "Dexcom Clarity CSV",
  created_at: "2026-12-07T09:00:00Z",
  started_at: null,
  finished_at: null,
  error: null,
  already_imported: false,
  previous_import_at: null,
  columns: null,
  preview: {
    format: "dexcom_clarity",
    format_label: "Dexcom Clarity CSV",
    device: "Dexcom G6",
    unit: "mg/dL",
    timezone: "Europe/Berlin",
    local_times: true,
    start: "2024-06-02T00:00:33+02:00",
    end: "2024-06-02T23:55:33+02:00",
    counts: { glucose: 287 },
    rejected: 1,
    estimated: false,
  },
  progress: { phase: "done", bytes_read: 27_509, bytes_total: 27_509, fraction: 1, counts: {} },
  rejected: [{ line: 107, type: "glucose", reason: "Glucose Value 'abc' is not a number" }],
  rejected_total: 1,
};

const done: ImportJob = {
  ...base,
  status: "done",
  finished_at: "2026-12-07T09:00:05Z",
  progress: {
    phase: "done",
    bytes_read: 27_509,
    bytes_total: 27_509,
    fraction: 1,
    counts: { glucose: { read: 288, inserted: 280, duplicates: 7, rejected: 1 } },
  },
};

describe("ImportJobPanel", () => {
  beforeEach(() => signInTestUser({ timezone: "Europe/Berlin" }));
  afterEach(() => vi.unstubAllGlobals());

  it("asks the preview question, starts with the chosen zone and ends with the summary", async () => {
    const starts: unknown[] = [];
    let job = base;
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/imports/j1": () => jsonResponse(200, job),
          "/imports/j1/start": (init?: RequestInit) => {
            starts.push(JSON.parse(String(init?.body)));
            job = done;
            return jsonResponse(202, { ...base, status: "queued" });
          },
        }),
      ),
    );
    renderWithClient(<ImportJobPanel id="j1" zone="Europe/Berlin" locale="en-GB" onDone={() => undefined} />);
    const sentence = await screen.findByTestId("import-preview-sentence");
    expect(sentence).toHaveTextContent("Import 287 Dexcom G6 readings on 2 Jun 2024, times in Europe/Berlin?");
    expect(screen.getByTestId("import-preview-rejected")).toHaveTextContent("1 row could not be read and will be skipped.");

    fireEvent.change(screen.getByLabelText("Time zone of the times in this file"), { target: { value: "America/New_York" } });
    expect(sentence).toHaveTextContent("Import 287 Dexcom G6 readings on 2 Jun 2024, times in America/New_York?");
    fireEvent.click(screen.getByTestId("import-confirm"));

    const summary = await screen.findByTestId("import-summary", {}, { timeout: 4000 });
    expect(starts).toEqual([{ timezone: "America/New_York" }]);
    expect(within(summary).getByTestId("import-inserted")).toHaveTextContent("280");
    expect(within(summary).getByTestId("import-duplicates")).toHaveTextContent("7");
    expect(within(summary).getByTestId("import-rejected-total")).toHaveTextContent("1");
    expect(screen.getByTestId("import-summary-sentence")).toHaveTextContent(
      "Added 280 glucose readings, 7 already in your account were skipped and 1 row was rejected.",
    );
    expect(within(screen.getByTestId("import-rejected")).getByText("Glucose Value 'abc' is not a number.")).toBeInTheDocument();
  });

  it("says when the same file was imported before", async () => {
    const again = { ...done, already_imported: true, previous_import_at: "2026-11-03T10:00:00Z" };
    vi.stubGlobal("fetch", vi.fn(routeFetch({ "/imports/j1": again })));
    renderWithClient(<ImportJobPanel id="j1" zone="Europe/Berlin" locale="en-GB" onDone={() => undefined} />);
    expect(await screen.findByTestId("import-already")).toHaveTextContent("This file was imported on 3 Nov 2026; nothing new to add.");
    expect(screen.queryByTestId("import-summary")).toBeNull();
  });

  it("lets the person pick the columns of a CSV it could not read, and shows a failure in the server's words", async () => {
    const starts: unknown[] = [];
    let job: ImportJob = { ...base, status: "needs_mapping", preview: null, columns: ["when", "bg", "note"], error: null };
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/imports/j1": () => jsonResponse(200, job),
          "/imports/j1/start": (init?: RequestInit) => {
            starts.push(JSON.parse(String(init?.body)));
            job = { ...job, status: "failed", error: "No row had a time in the column “when”." };
            return jsonResponse(202, { ...job, status: "previewing" });
          },
        }),
      ),
    );
    renderWithClient(<ImportJobPanel id="j1" zone="Europe/Berlin" locale="en-GB" onDone={() => undefined} />);
    await screen.findByTestId("import-mapping");
    fireEvent.click(screen.getByTestId("import-mapping-start"));
    expect(await screen.findByText("Choose the time column and the glucose column.")).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Time column"), { target: { value: "when" } });
    fireEvent.change(screen.getByLabelText("Glucose column"), { target: { value: "bg" } });
    fireEvent.change(screen.getByLabelText("Unit of the values"), { target: { value: "mmol/L" } });
    fireEvent.click(screen.getByTestId("import-mapping-start"));
    expect(await screen.findByTestId("import-error", {}, { timeout: 4000 })).toHaveTextContent("No row had a time in the column “when”.");
    expect(starts).toEqual([{ timestamp_column: "when", value_column: "bg", unit: "mmol/L" }]);
  });
});
