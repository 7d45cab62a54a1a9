import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { InsulinView } from "./insulin-view";

const doses = [
  {
    id: "1",
    source: "demo",
    external_id: "i-1",
    timestamp: "2026-03-01T07:30:00Z",
    units: 4.500000001,
    kind: "bolus",
    insulin_type: "NovoRapid",
  },
  { id: "2", source: "demo", external_id: "i-2", timestamp: "2026-03-01T21:00:00Z", units: 18, kind: "basal", insulin_type: null },
];

describe("InsulinView", () => {
  beforeEach(() => signInTestUser({ timezone: "UTC" }));
  afterEach(() => vi.unstubAllGlobals());

  it("lists bolus and basal doses with units and type, and adds a dose", async () => {
    const posted: Record<string, unknown>[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insulin": (init?: RequestInit) => {
            if (init?.method === "POST") {
              posted.push(JSON.parse(String(init.body)) as Record<string, unknown>);
              return jsonResponse(201, { ...doses[0], id: "3" });
            }
            return jsonResponse(200, { items: doses, next_cursor: null });
          },
        }),
      ),
    );
    renderWithClient(<InsulinView />);
    expect(await screen.findByRole("heading", { name: "Insulin", level: 1 })).toBeInTheDocument();
    const bolus = (await screen.findByText("4.5 U")).closest("tr")!;
    expect(bolus).toHaveTextContent("Bolus");
    expect(bolus).toHaveTextContent("NovoRapid");
    expect(screen.getByText("18 U").closest("tr")).toHaveTextContent("Basal");

    fireEvent.change(screen.getByLabelText("Units"), { target: { value: "2.5" } });
    fireEvent.change(screen.getByLabelText("Type"), { target: { value: "bolus" } });
    fireEvent.click(screen.getByRole("button", { name: "Add insulin dose" }));
    await waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]).toMatchObject({ units: 2.5, kind: "bolus" });
    expect(String(posted[0].timestamp)).toMatch(/\+00:00$/);
  });
});
