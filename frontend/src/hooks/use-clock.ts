"use client";
import { useEffect, useState } from "react";

/** The current time (ms), updated every `intervalMs` so "5 min ago" stays true. */
export function useClock(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
