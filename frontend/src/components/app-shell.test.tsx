import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NAV } from "@/config/nav";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { AppShell } from "./app-shell";

vi.mock("next/navigation", () => ({
  usePathname: () => "/data/insulin/",
  useRouter: () => ({ replace: vi.fn(), push: vi.fn() }),
}));

describe("AppShell", () => {
  beforeEach(() => {
    signInTestUser();
    // The shell's live channel is tested in hooks/use-realtime.test.ts; here it stays off.
    vi.stubGlobal("WebSocket", undefined);
    vi.stubGlobal("fetch", vi.fn(routeFetch({ "/alerts/unread-count": { unread: 3 } })));
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows the alert bell with the unread count, linking to the history", async () => {
    renderWithClient(<AppShell>page</AppShell>);
    const bell = await screen.findByRole("link", { name: "Alerts, 3 unread" });
    expect(bell.getAttribute("href")).toMatch(/^\/alerts\/?$/);
    expect(within(bell).getByTestId("alert-bell-count")).toHaveTextContent("3");
  });

  it("opens the whole navigation as a sheet from the menu button (phones) and closes it on a choice", async () => {
    renderWithClient(<AppShell>page</AppShell>);
    const open = screen.getByRole("button", { name: "Open menu" });
    expect(open.className).toMatch(/md:hidden/);
    fireEvent.click(open);
    const sheet = await screen.findByTestId("nav-sheet");
    const links = within(sheet).getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(NAV.flatMap((g) => g.items.map((i) => i.label)));
    expect(within(sheet).getByRole("link", { name: "Insulin" })).toHaveAttribute("aria-current", "page");
    fireEvent.click(within(sheet).getByRole("link", { name: "Meals" }));
    await waitFor(() => expect(screen.queryByTestId("nav-sheet")).toBeNull());
  });

  it("keeps the sidebar for wide screens and names the current page in the phone header", () => {
    renderWithClient(<AppShell>page</AppShell>);
    const aside = screen.getByTestId("nav-sidebar").closest("aside")!;
    expect(aside).toHaveClass("hidden", "md:block");
    expect(screen.getByText("· Insulin")).toBeInTheDocument();
  });
});
