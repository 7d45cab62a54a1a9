import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { DeleteAccountCard } from "./delete-account";
import { DeleteDataCard, deletionScope } from "./delete-data";
import { SourcePriorityCard, moveItem } from "./source-priority";

const none = { glucose: 0, insulin: 0, sleep: 0, meals: 0, activities: 0 };

describe("settings → your data", () => {
  beforeEach(() => signInTestUser({ timezone: "Europe/Berlin" }));
  afterEach(() => vi.unstubAllGlobals());

  it("turns chosen days into whole local days, the end exclusive", () => {
    expect(deletionScope("", "2026-03-28", "2026-03-29", "Europe/Berlin")).toEqual({
      start: "2026-03-28T00:00:00+01:00",
      end: "2026-03-30T00:00:00+02:00",
    });
    expect(deletionScope("", "", "", "UTC")).toBe("Choose a source, a date range, or both.");
    expect(deletionScope("csv", "2026-03-02", "2026-03-01", "UTC")).toBe("The first day must be before the last day.");
  });

  it("deletes by source and dates only after showing the counts", async () => {
    const previews: string[] = [];
    const deletes: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/data/sources": { sources: [{ source: "dexcom_clarity", counts: { ...none, glucose: 12345 } }] },
          "/data/deletion-preview": { counts: { ...none, glucose: 12345, meals: 20 } },
          "/data/delete": (init?: RequestInit) => {
            deletes.push(JSON.parse(String(init?.body)));
            return jsonResponse(200, { deleted: { ...none, glucose: 12345, meals: 20 } });
          },
        }),
      ),
    );
    const fetchMock = vi.mocked(fetch);
    renderWithClient(<DeleteDataCard />);
    await screen.findByRole("option", { name: "Dexcom Clarity" });
    fireEvent.change(screen.getByLabelText("Source"), { target: { value: "dexcom_clarity" } });
    fireEvent.change(screen.getByLabelText("From (first day)"), { target: { value: "2026-03-01" } });
    fireEvent.click(screen.getByTestId("deletion-check"));
    expect(await screen.findByTestId("deletion-sentence")).toHaveTextContent("This deletes 12,345 glucose readings and 20 meals.");
    for (const [input] of fetchMock.mock.calls) if (String(input).includes("deletion-preview")) previews.push(String(input));
    expect(decodeURIComponent(previews[0])).toContain("source=dexcom_clarity&start=2026-03-01T00:00:00+01:00");
    expect(deletes).toEqual([]);
    fireEvent.click(screen.getByTestId("deletion-confirm"));
    expect(await screen.findByTestId("deletion-done")).toHaveTextContent("Deleted 12,345 glucose readings and 20 meals.");
    expect(deletes).toEqual([{ source: "dexcom_clarity", start: "2026-03-01T00:00:00+01:00", confirm: true }]);
  });

  it("reorders sources with the arrows and saves the order", async () => {
    const puts: unknown[] = [];
    let order = ["dexcom_clarity", "apple_health", "manual"];
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/data/source-priority": (init?: RequestInit) => {
            if (init?.method === "PUT") {
              puts.push(JSON.parse(String(init.body)));
              order = (puts[0] as { order: string[] }).order;
              return jsonResponse(200, { order, default: false });
            }
            return jsonResponse(200, { order, default: true });
          },
        }),
      ),
    );
    renderWithClient(<SourcePriorityCard />);
    expect(await screen.findByText(/keeps the one higher in this list/)).toBeInTheDocument();
    await screen.findByTestId("priority-apple_health");
    expect(screen.getByTestId("priority-save")).toBeDisabled();
    fireEvent.click(screen.getByRole("button", { name: "Move Apple Health up" }));
    const items = within(screen.getByTestId("source-priority")).getAllByRole("listitem");
    expect(items.map((li) => li.dataset.testid)).toEqual(["priority-apple_health", "priority-dexcom_clarity", "priority-manual"]);
    fireEvent.click(screen.getByTestId("priority-save"));
    expect(await screen.findByTestId("priority-saved")).toBeInTheDocument();
    expect(puts).toEqual([{ order: ["apple_health", "dexcom_clarity", "manual"] }]);
    expect(moveItem(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(moveItem(["a", "b"], 0, 5)).toEqual(["a", "b"]);
  });

  it("deletes the account only with the right password, then leaves", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/account": (init?: RequestInit) => {
            const body = JSON.parse(String(init?.body)) as { password: string };
            bodies.push(body);
            return body.password === "right-password"
              ? new Response(null, { status: 204 })
              : jsonResponse(403, { error: { code: "forbidden", message: "The password is incorrect; the account was not deleted." } });
          },
        }),
      ),
    );
    const left = vi.fn();
    renderWithClient(<DeleteAccountCard onDeleted={left} />);
    expect(screen.getByTestId("danger-zone")).toHaveTextContent("every glucose reading");
    expect(screen.getByTestId("final-export-zip")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("delete-account"));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Password"), { target: { value: "wrong" } });
    fireEvent.click(within(dialog).getByTestId("delete-account-confirm"));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("The password is incorrect; the account was not deleted.");
    expect(left).not.toHaveBeenCalled();
    fireEvent.change(within(dialog).getByLabelText("Password"), { target: { value: "right-password" } });
    fireEvent.click(within(dialog).getByTestId("delete-account-confirm"));
    await waitFor(() => expect(left).toHaveBeenCalledOnce());
    expect(bodies).toEqual([{ password: "wrong" }, { password: "right-password" }]);
  });
});
