import { act, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api";
import { useSubmit } from "./use-submit";

describe("useSubmit", () => {
  it("shows the validation sentence and sends nothing", async () => {
    const run = vi.fn(async () => undefined);
    const { result } = renderHook(() => useSubmit({ validate: () => "Enter both target values.", run }));
    await act(() => result.current.onSubmit());
    expect(result.current.error).toBe("Enter both target values.");
    expect(run).not.toHaveBeenCalled();
  });

  it("stops quietly when the form shows its own field errors", async () => {
    const run = vi.fn(async () => undefined);
    const { result } = renderHook(() => useSubmit({ validate: () => false, run }));
    await act(() => result.current.onSubmit());
    expect(result.current.error).toBeNull();
    expect(run).not.toHaveBeenCalled();
  });

  it("is busy while it runs, then done", async () => {
    let finish: () => void = () => undefined;
    const { result } = renderHook(() => useSubmit({ run: () => new Promise<void>((r) => (finish = r)) }));
    let pending: Promise<void> = Promise.resolve();
    act(() => {
      pending = result.current.onSubmit();
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      finish();
      await pending;
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.done).toBe(true);
  });

  it("words an API error with the form's context and hands it on", async () => {
    const onError = vi.fn();
    const conflict = "There is already a reading at this time.";
    const { result } = renderHook(() =>
      useSubmit({ run: () => Promise.reject(new ApiError(409, "conflict", "duplicate")), errorContext: { conflict }, onError }),
    );
    await act(() => result.current.onSubmit());
    expect(result.current.error).toBe(conflict);
    expect(result.current.busy).toBe(false);
    expect(result.current.done).toBe(false);
    expect(onError).toHaveBeenCalledWith(expect.any(ApiError));
  });

  it("stays busy after a success that leaves the page", async () => {
    const { result } = renderHook(() => useSubmit({ run: async () => undefined, navigates: true }));
    await act(() => result.current.onSubmit());
    expect(result.current.busy).toBe(true);
  });
});
