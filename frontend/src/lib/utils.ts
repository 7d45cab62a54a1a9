import { clsx, type ClassValue } from "clsx";
import { twMerge } from "tailwind-merge";
import { humanError, type ErrorContext } from "./errors";

export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs));
}

/** A message for people; see lib/errors.ts for how API errors are worded. */
export function errorMessage(err: unknown, ctx?: ErrorContext): string {
  return humanError(err, ctx);
}
