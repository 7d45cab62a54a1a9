import type { Metadata } from "next";
import { Suspense } from "react";
import { Skeleton } from "@/components/ui/skeleton";
import { ImportView } from "./import-view";

export const metadata: Metadata = { title: "Import" };

export default function ImportPage() {
  return (
    <Suspense fallback={<Skeleton className="h-64" label="Loading" />}>
      <ImportView />
    </Suspense>
  );
}
