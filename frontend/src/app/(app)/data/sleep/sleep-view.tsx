"use client";
import type { FieldDef } from "@/components/resource/fields";
import { ResourcePage, type Column } from "@/components/resource/resource-page";
import type { SleepEntry } from "@/lib/api-types";
import { formatDateTime, formatDuration, formatTime, lastNight } from "@/lib/time";

const mins = { kind: "number" as const, min: 0, max: 1440, step: "1" };

const FIELDS: FieldDef[] = [
  { name: "start", label: "Went to bed", kind: "datetime", required: true, initial: (now, zone) => lastNight(now, zone).start },
  { name: "end", label: "Got up", kind: "datetime", required: true, initial: (now, zone) => lastNight(now, zone).end },
  { name: "asleep_min", label: "Asleep (min)", ...mins },
  { name: "in_bed_min", label: "In bed (min)", ...mins },
  { name: "deep_min", label: "Deep sleep (min)", ...mins },
  { name: "core_min", label: "Core sleep (min)", ...mins },
  { name: "rem_min", label: "REM sleep (min)", ...mins },
  { name: "awake_min", label: "Awake (min)", ...mins },
];

const COLUMNS: Column<SleepEntry>[] = [
  { header: "Bedtime", render: (s, zone) => formatDateTime(s.start, zone) },
  { header: "Wake", render: (s, zone) => formatTime(s.end, zone) },
  {
    header: "Duration",
    render: (s) => formatDuration((Date.parse(s.end) - Date.parse(s.start)) / 60000),
  },
  { header: "Asleep", render: (s) => (s.asleep_min != null ? formatDuration(s.asleep_min) : "—") },
  {
    header: "Deep / REM",
    className: "hidden sm:table-cell",
    render: (s) => `${s.deep_min != null ? formatDuration(s.deep_min) : "—"} / ${s.rem_min != null ? formatDuration(s.rem_min) : "—"}`,
  },
];

export function SleepView() {
  return (
    <ResourcePage
      kind="sleep"
      title="Sleep"
      singular="sleep entry"
      description="Nights of sleep. Used by insights to relate sleep to next-day glucose."
      fields={FIELDS}
      columns={COLUMNS}
    />
  );
}
