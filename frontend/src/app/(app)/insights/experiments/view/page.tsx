import type { Metadata } from "next";
import { Suspense } from "react";
import { ExperimentDetail } from "../experiment-detail";

export const metadata: Metadata = { title: "Experiment" };

export default function ExperimentPage() {
  // ?id=<experiment> is read in the browser: the export is static.
  return (
    <Suspense>
      <ExperimentDetail />
    </Suspense>
  );
}
