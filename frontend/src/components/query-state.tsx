"use client";
import { ApiError } from "@/lib/api";
import { errorMessage } from "@/lib/utils";
import { Alert } from "./ui/alert";
import { Button } from "./ui/button";

export function QueryError({ error, onRetry, title = "Could not load this" }: { error: unknown; onRetry?: () => void; title?: string }) {
  const msg = errorMessage(error);
  const code = error instanceof ApiError && error.status ? ` (${error.status})` : "";
  return (
    <Alert
      variant="error"
      title={title}
      action={
        onRetry ? (
          <Button size="sm" variant="secondary" onClick={onRetry}>
            Try again
          </Button>
        ) : null
      }
    >
      {msg}
      {code}
    </Alert>
  );
}
