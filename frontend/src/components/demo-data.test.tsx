import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { LoadDemoButton, RemoveDemoData } from "./demo-data";

const counts = { glucose: 25848, insulin: 392, sleep: 90, meals: 301, activities: 38 };

describe("demo data", () => {
  beforeEach(() => signInTestUser());
  afterEach(() => vi.unstubAllGlobals());

  it("asks before loading demo data into an account with readings of its own", async () => {
    const loads: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/demo/load": () => {
            loads.push(loads.length ? "confirmed" : "first");
            return loads.length === 1
              ? jsonResponse(409, {
                  error: {
                    code: "confirmation_required",
                    message: "This account already has 864 glucose readings of its own.",
                    details: [{ field: "confirm", reason: "864 readings of your own" }],
                  },
                })
              : jsonResponse(201, counts);
          },
        }),
      ),
    );
    const fetchMock = vi.mocked(fetch);
    renderWithClient(<LoadDemoButton />);
    fireEvent.click(screen.getByTestId("load-demo"));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("demo-confirm")).toHaveTextContent("864 glucose readings of your own");
    expect(screen.queryByRole("alert")).toBeNull();
    fireEvent.click(within(dialog).getByTestId("demo-confirm-load"));
    expect(await screen.findByTestId("demo-loaded")).toHaveTextContent("25,848 glucose readings");
    const urls = fetchMock.mock.calls.map(([u]) => {
      const url = new URL(String(u), window.location.href);
      return url.pathname + url.search;
    });
    expect(urls).toEqual(["/api/v1/demo/load", "/api/v1/demo/load?confirm=true"]);
  });

  it("removes exactly the demo source after showing what will go", async () => {
    let removed = false;
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/data/sources": () =>
            jsonResponse(200, {
              sources: removed
                ? []
                : [
                    { source: "demo", counts },
                    { source: "csv", counts: { ...counts, glucose: 864, insulin: 0, sleep: 0, meals: 0, activities: 0 } },
                  ],
            }),
          "/data/sources/demo": (init?: RequestInit) => {
            expect(init?.method).toBe("DELETE");
            removed = true;
            return jsonResponse(200, { source: "demo", deleted: counts });
          },
        }),
      ),
    );
    renderWithClient(<RemoveDemoData />);
    fireEvent.click(await screen.findByTestId("remove-demo"));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("delete-source-counts")).toHaveTextContent(
      "25,848 glucose readings, 392 insulin doses, 90 sleep entries, 301 meals and 38 activities",
    );
    fireEvent.click(within(dialog).getByTestId("delete-source-confirm"));
    expect(await screen.findByTestId("demo-removed")).toHaveTextContent("Removed 25,848 glucose readings");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });
});
