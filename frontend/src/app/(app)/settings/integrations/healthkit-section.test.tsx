import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { HealthKitStatus } from "@/lib/api-types";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { HealthKitSection } from "./healthkit-section";

vi.mock("next/link", () => ({
  default: ({ href, children }: { href: string; children: React.ReactNode }) => <a href={href}>{children}</a>,
}));

const TYPES = ["blood_glucose", "carbohydrates", "insulin_delivery", "sleep_analysis", "workouts", "steps"] as const;

function status(over: Partial<Record<(typeof TYPES)[number], Partial<HealthKitStatus["types"][number]>>> = {}): HealthKitStatus {
  return {
    types: TYPES.map((type) => ({
      type,
      enabled: true,
      last_sync_at: null,
      stored: 0,
      deleted: 0,
      last_error: null,
      last_error_at: null,
      sources: [],
      ...over[type],
    })),
    glucose_source_priority: ["dexcom", "healthkit"],
    glucose_source_priority_default: true,
    max_samples_per_batch: 5000,
    max_deletions_per_batch: 5000,
    server_time: "2026-12-07T08:00:00Z",
  };
}

describe("HealthKitSection", () => {
  beforeEach(() => signInTestUser());
  afterEach(() => vi.unstubAllGlobals());

  it("says no iPhone has synced yet when nothing ever arrived", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => jsonResponse(200, status())),
    );
    renderWithClient(<HealthKitSection />);
    expect(await screen.findByTestId("hk-empty")).toHaveTextContent("No iPhone has synced yet.");
    expect(screen.getAllByTestId("hk-type")).toHaveLength(6);
    expect(screen.getAllByText(/Never synced/)).toHaveLength(6);
  });

  it("shows per type the last sync, counts, sources and the last error", async () => {
    const s = status({
      blood_glucose: {
        last_sync_at: "2026-12-07T07:55:00Z",
        stored: 12345,
        sources: [
          { bundle_id: "com.dexcom.G7", name: "Dexcom G7", last_seen_at: "2026-12-07T07:55:00Z" },
          { bundle_id: "com.apple.Health", name: "Health", last_seen_at: "2026-12-06T07:55:00Z" },
        ],
      },
      workouts: { last_error: "duration_s: must be at most 172800", last_error_at: "2026-12-07T07:50:00Z", deleted: 2 },
    });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => jsonResponse(200, s)),
    );
    renderWithClient(<HealthKitSection />);
    const rows = await screen.findAllByTestId("hk-type");
    expect(screen.queryByTestId("hk-empty")).not.toBeInTheDocument();
    expect(rows[0]).toHaveTextContent("Blood glucose");
    expect(rows[0]).toHaveTextContent("Last sync 7 Dec 2026");
    expect(rows[0]).toHaveTextContent("12,345 stored");
    expect(rows[0]).toHaveTextContent("From Dexcom G7, Health");
    expect(within(rows[4]).getByTestId("hk-type-error")).toHaveTextContent("duration_s: must be at most 172800");
    expect(rows[4]).toHaveTextContent("2 deleted on the iPhone");
  });

  it("turns a type off by sending the remaining types, and shows the API's error", async () => {
    const bodies: unknown[] = [];
    let fail = false;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        if (init?.method === "POST") {
          const body = JSON.parse(String(init.body)) as { enabled_types: string[] };
          bodies.push(body);
          if (fail) return jsonResponse(403, { error: { code: "forbidden", message: "Not allowed." } });
          return jsonResponse(
            200,
            status(Object.fromEntries(TYPES.filter((t) => !body.enabled_types.includes(t)).map((t) => [t, { enabled: false }]))),
          );
        }
        return jsonResponse(200, status());
      }),
    );
    renderWithClient(<HealthKitSection />);
    const steps = await screen.findByLabelText(/Steps/);
    expect(steps).toBeChecked();
    await userEvent.click(steps);
    await waitFor(() => expect(screen.getByLabelText(/Steps/)).not.toBeChecked());
    expect(bodies).toEqual([{ enabled_types: ["blood_glucose", "carbohydrates", "insulin_delivery", "sleep_analysis", "workouts"] }]);
    expect(screen.getByLabelText(/Steps/).closest("label")).toHaveTextContent("(off)");

    fail = true;
    await userEvent.click(screen.getByLabelText(/Sleep/));
    expect(await screen.findByRole("alert")).toHaveTextContent("You do not have permission to do this.");
    // The refused change is undone on screen.
    await waitFor(() => expect(screen.getByLabelText(/Sleep/)).toBeChecked());
  });

  it("shows an error with Try again when the status cannot be loaded", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => jsonResponse(500, { error: { code: "internal", message: "" } })),
    );
    renderWithClient(<HealthKitSection />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load the Apple Health status");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
