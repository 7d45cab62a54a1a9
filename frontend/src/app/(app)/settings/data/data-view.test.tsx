import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { DataView } from "./data-view";

const none = { glucose: 0, insulin: 0, sleep: 0, meals: 0, activities: 0 };

describe("DataView", () => {
  beforeEach(() => signInTestUser());
  afterEach(() => vi.unstubAllGlobals());

  it("deletes all data from one source after a confirmation that shows its counts", async () => {
    const deleted: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/data/sources": () =>
            jsonResponse(200, {
              sources: [
                { source: "csv", counts: { ...none, glucose: 864 } },
                { source: "manual", counts: { ...none, glucose: 3, meals: 1 } },
              ].filter((s) => !deleted.includes(s.source)),
            }),
          "/data/sources/csv": () => {
            deleted.push("csv");
            return jsonResponse(200, { source: "csv", deleted: { ...none, glucose: 864 } });
          },
        }),
      ),
    );
    renderWithClient(<DataView />);
    const row = await screen.findByTestId("source-csv");
    expect(row).toHaveTextContent("CSV import");
    fireEvent.click(within(row).getByTestId("delete-source-csv"));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("Delete all data from “CSV import”?");
    expect(within(dialog).getByTestId("delete-source-counts")).toHaveTextContent("864 glucose readings");
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await screen.findByTestId("source-deleted")).toHaveTextContent("Deleted 864 glucose readings from CSV import.");
    expect(screen.queryByTestId("source-csv")).toBeNull();
    expect(screen.getByTestId("source-manual")).toBeInTheDocument();
    expect(deleted).toEqual(["csv"]);
  });
});
