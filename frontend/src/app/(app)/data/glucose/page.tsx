import type { Metadata } from "next";
import { GlucoseView } from "./glucose-view";

export const metadata: Metadata = { title: "Glucose data" };

export default function GlucosePage() {
  return <GlucoseView />;
}
