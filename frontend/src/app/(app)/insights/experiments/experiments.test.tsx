import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { ExperimentDetail } from "./experiment-detail";
import { ExperimentsView } from "./experiments-view";
import { experiment, plan } from "./fixtures";
import { NewExperimentForm } from "./new-experiment-form";

const push = vi.fn();
let search = new URLSearchParams("id=e1");
vi.mock("next/navigation", () => ({ useSearchParams: () => search, useRouter: () => ({ push }) }));

type Call = { url: string; method: string; body: unknown };

function stubApi(routes: (call: Call) => Response | undefined): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const call = { url: String(input), method: init?.method ?? "GET", body: init?.body ? JSON.parse(String(init.body)) : null };
      calls.push(call);
      return routes(call) ?? jsonResponse(404, { error: { code: "not_found", message: "no" } });
    }),
  );
  return calls;
}

beforeEach(() => {
  signInTestUser();
  push.mockReset();
  search = new URLSearchParams("id=e1");
});
afterEach(() => vi.unstubAllGlobals());

describe("ExperimentsView", () => {
  it("shows an empty state that leads to planning one", async () => {
    stubApi((c) => (c.url.endsWith("/api/v1/insights/experiments") ? jsonResponse(200, { items: [] }) : undefined));
    renderWithClient(<ExperimentsView />);
    expect(await screen.findByTestId("experiments-empty")).toHaveTextContent("No experiments yet");
    expect(screen.getByRole("link", { name: "Plan your first experiment" })).toHaveAttribute(
      "href",
      expect.stringMatching(/^\/insights\/experiments\/new\/?$/),
    );
  });

  it("lists an experiment with its progress and today's assignment, and offers no second one while it runs", async () => {
    stubApi((c) => (c.url.endsWith("/api/v1/insights/experiments") ? jsonResponse(200, { items: [experiment()] }) : undefined));
    renderWithClient(<ExperimentsView />);
    const row = await screen.findByTestId("experiment-row");
    expect(row).toHaveTextContent("Walk after dinner");
    expect(row).toHaveTextContent("5/24 days");
    expect(row).toHaveTextContent("Today: baseline day");
    expect(screen.queryByTestId("new-experiment")).toBeNull();
  });
});

describe("NewExperimentForm", () => {
  it("asks for the days needed and starts the experiment with the user's unit", async () => {
    signInTestUser({ unit: "mmol/L" });
    const calls = stubApi((c) => {
      if (c.url.includes("/api/v1/insights/experiment-plan")) return jsonResponse(200, plan);
      if (c.url.endsWith("/api/v1/insights/experiments") && c.method === "POST") return jsonResponse(201, experiment({ id: "e9" }));
      return undefined;
    });
    renderWithClient(<NewExperimentForm />);
    expect(await screen.findByTestId("days-needed", {}, { timeout: 3000 })).toHaveTextContent("About 72 days needed");
    const planUrl = new URL(calls.find((c) => c.url.includes("/experiment-plan"))!.url);
    expect(Object.fromEntries(planUrl.searchParams)).toEqual({
      outcome: "window_mean",
      target_effect: "0.8",
      block_days: "2",
      window_start: "19:00",
      window_end: "23:00",
    });
    fireEvent.change(screen.getByLabelText("Title"), { target: { value: "Walk after dinner" } });
    fireEvent.change(screen.getByLabelText("What you will do on intervention days"), { target: { value: "walk 15 minutes" } });
    fireEvent.click(screen.getByTestId("create-experiment"));
    await waitFor(() => expect(push).toHaveBeenCalledWith("/insights/experiments/view/?id=e9"));
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.body).toMatchObject({
      title: "Walk after dinner",
      outcome: "window_mean",
      target_effect: 0.8,
      unit: "mmol/L",
      block_days: 2,
    });
  });

  it("says what is missing instead of sending an empty title", async () => {
    const calls = stubApi((c) => (c.url.includes("/experiment-plan") ? jsonResponse(200, plan) : undefined));
    renderWithClient(<NewExperimentForm />);
    fireEvent.click(screen.getByTestId("create-experiment"));
    expect(await screen.findByText("Give the experiment a title and say what you will do.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });
});

describe("ExperimentDetail", () => {
  it("shows today's instruction, the interim state and the calendar", async () => {
    stubApi((c) => (c.url.endsWith("/api/v1/insights/experiments/e1") ? jsonResponse(200, experiment()) : undefined));
    renderWithClient(<ExperimentDetail />);
    expect(await screen.findByTestId("today-instruction")).toHaveTextContent("Baseline day: live as usual");
    expect(screen.getByTestId("verdict-badge")).toHaveTextContent("Not enough days yet");
    const cells = screen.getByTestId("experiment-calendar").querySelectorAll("button[data-assignment]");
    expect(cells).toHaveLength(24);
    expect(screen.getByRole("button", { name: "Thu 3 Dec, intervention, not followed" })).toBeInTheDocument();
  });

  it("marks today as not followed", async () => {
    const calls = stubApi((c) => {
      if (c.url.endsWith("/api/v1/insights/experiments/e1")) return jsonResponse(200, experiment());
      if (c.url.endsWith("/adherence")) return jsonResponse(200, experiment());
      return undefined;
    });
    renderWithClient(<ExperimentDetail />);
    const panels = await screen.findAllByTestId("day-panel");
    fireEvent.click(panels[0].querySelectorAll("button")[1]);
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")!.body).toEqual({ day: "2026-12-07", followed: false });
  });

  it("colours a final verdict and draws its interval", async () => {
    const done = experiment({
      status: "complete",
      today_assignment: null,
      result: {
        status: "helped",
        final: true,
        difference: -14.2,
        ci_low: -22,
        ci_high: -6.1,
        p_value: 0.002,
        pairs_used: 18,
        min_pairs: 6,
        intervention_days: 34,
        baseline_days: 35,
        verdict: "Helped: mean glucose 19:00-23:00 was 14 mg/dL lower on intervention days (95% CI 6 to 22 mg/dL lower).",
        method: "Randomisation test over the coin flips.",
      },
    });
    stubApi((c) => (c.url.endsWith("/api/v1/insights/experiments/e1") ? jsonResponse(200, done) : undefined));
    renderWithClient(<ExperimentDetail />);
    expect(await screen.findByTestId("verdict-badge")).toHaveTextContent("Helped");
    expect(screen.getByTestId("verdict")).toHaveTextContent("95% CI 6 to 22 mg/dL lower");
    expect(screen.getByRole("figure")).toHaveAttribute("aria-label", "Difference -14.2 mg/dL, 95% interval -22 to -6.1");
    expect(screen.queryByTestId("today-instruction")).toBeNull();
  });
});
