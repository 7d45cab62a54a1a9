import type { Metadata } from "next";
import { AlertSettingsView } from "./alert-settings-view";

export const metadata: Metadata = { title: "Alert settings" };

export default function AlertSettingsPage() {
  return <AlertSettingsView />;
}
