import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { useAuthStore } from "@/lib/auth-store";
import type { User } from "@/lib/api-types";

export const testUser: User = {
  id: "u1",
  email: "ada@example.org",
  display_name: "Ada",
  timezone: "Europe/London",
  unit: "mg/dL",
  target_low_mgdl: 70,
  target_high_mgdl: 180,
  created_at: "2026-01-01T00:00:00Z",
};

export function signInTestUser(overrides: Partial<User> = {}) {
  useAuthStore.setState({ accessToken: "token", user: { ...testUser, ...overrides }, status: "authenticated" });
}

export function renderWithClient(ui: React.ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return { client, ...render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>) };
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** Route fetch calls by path prefix to canned JSON bodies. */
export function routeFetch(routes: Record<string, unknown | ((init?: RequestInit) => Response)>) {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const path = url.replace(/\?.*$/, "");
    const key = Object.keys(routes)
      .sort((a, b) => b.length - a.length)
      .find((k) => path.endsWith(k));
    if (!key) return jsonResponse(404, { error: { code: "not_found", message: `no route ${url}` } });
    const r = routes[key];
    return typeof r === "function" ? (r as (i?: RequestInit) => Response)(init) : jsonResponse(200, r);
  };
}
