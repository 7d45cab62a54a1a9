import type { Metadata } from "next";
import { SleepView } from "./sleep-view";

export const metadata: Metadata = { title: "Sleep" };

export default function SleepPage() {
  return <SleepView />;
}
