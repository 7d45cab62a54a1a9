import type { Metadata } from "next";
import { Suspense } from "react";
import { Skeleton } from "@/components/ui/skeleton";
import { CausalGraphView } from "./causal-graph-view";

export const metadata: Metadata = { title: "Causal graph" };

export default function CausalGraphPage() {
  return (
    <Suspense fallback={<Skeleton className="h-96" label="Loading" />}>
      <CausalGraphView />
    </Suspense>
  );
}
