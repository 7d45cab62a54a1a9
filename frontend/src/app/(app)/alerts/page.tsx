import type { Metadata } from "next";
import { Suspense } from "react";
import { AlertHistory } from "./alert-history";

export const metadata: Metadata = { title: "Alert history" };

export default function AlertHistoryPage() {
  // ?alert=<id> (from a notification) is read in the browser: the export is static.
  return (
    <Suspense>
      <AlertHistory />
    </Suspense>
  );
}
