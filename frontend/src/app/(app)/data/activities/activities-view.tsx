"use client";
import type { FieldDef } from "@/components/resource/fields";
import { ResourcePage, type Column } from "@/components/resource/resource-page";
import type { ActivityEntry } from "@/lib/api-types";
import { formatDateTime, formatDuration } from "@/lib/time";

const FIELDS: FieldDef[] = [
  { name: "start", label: "Start", kind: "datetime", required: true },
  { name: "end", label: "End", kind: "datetime", required: true },
  {
    name: "activity_type",
    label: "Activity",
    kind: "text",
    required: true,
    suggestions: ["walking", "running", "cycling", "swimming", "strength", "yoga", "hiking", "other"],
  },
  {
    name: "intensity",
    label: "Intensity",
    kind: "select",
    options: [
      { value: "low", label: "Low" },
      { value: "moderate", label: "Moderate" },
      { value: "high", label: "High" },
    ],
  },
  { name: "kcal", label: "Energy (kcal)", kind: "number", min: 0, max: 10000, step: "1" },
  { name: "steps", label: "Steps", kind: "number", min: 0, max: 200000, step: "1" },
  { name: "avg_hr", label: "Average heart rate (bpm)", kind: "number", min: 20, max: 250, step: "1" },
];

const COLUMNS: Column<ActivityEntry>[] = [
  { header: "Start", render: (a, zone) => formatDateTime(a.start, zone) },
  { header: "Activity", render: (a) => a.activity_type },
  { header: "Duration", render: (a) => formatDuration((Date.parse(a.end) - Date.parse(a.start)) / 60000) },
  { header: "Intensity", className: "hidden sm:table-cell", render: (a) => a.intensity ?? "—" },
  { header: "Steps", className: "hidden md:table-cell", render: (a) => (a.steps != null ? Math.round(a.steps).toLocaleString("en") : "—") },
];

export function ActivitiesView() {
  return (
    <ResourcePage
      kind="activities"
      title="Activities"
      singular="activity"
      description="Exercise and movement. Activity often lowers glucose during and for hours after."
      fields={FIELDS}
      columns={COLUMNS}
    />
  );
}
