import type { Metadata } from "next";
import { InsulinView } from "./insulin-view";

export const metadata: Metadata = { title: "Insulin" };

export default function InsulinPage() {
  return <InsulinView />;
}
