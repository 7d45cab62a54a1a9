import type { Metadata } from "next";
import { AlertHistory } from "./alert-history";

export const metadata: Metadata = { title: "Alert history" };

export default function AlertHistoryPage() {
  return <AlertHistory />;
}
