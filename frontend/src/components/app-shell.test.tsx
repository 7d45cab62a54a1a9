import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { NAV } from "@/config/nav";
import { renderWithClient, signInTestUser } from "@/test/render";
import { AppShell } from "./app-shell";

vi.mock("next/navigation", () => ({
  usePathname: () => "/data/insulin/",
  useRouter: () => ({ replace: vi.fn(), push: vi.fn() }),
}));

describe("AppShell", () => {
  beforeEach(() => signInTestUser());

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
