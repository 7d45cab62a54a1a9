"use client";
import type { FieldDef } from "@/components/resource/fields";
import { ResourcePage, type Column } from "@/components/resource/resource-page";
import type { InsulinDose } from "@/lib/api-types";
import { formatDateTime } from "@/lib/time";

const KINDS = [
  { value: "bolus", label: "Bolus (meal or correction)" },
  { value: "basal", label: "Basal (long-acting)" },
];

const FIELDS: FieldDef[] = [
  { name: "timestamp", label: "Time", kind: "datetime", required: true },
  { name: "units", label: "Units", kind: "number", required: true, min: 0.05, max: 100, step: "0.05", hint: "Up to 100 units per entry." },
  { name: "kind", label: "Type", kind: "select", required: true, options: KINDS },
  {
    name: "insulin_type",
    label: "Insulin",
    kind: "text",
    hint: "Product or kind, e.g. NovoRapid or rapid-acting.",
    suggestions: [
      "rapid-acting",
      "ultra-rapid",
      "short-acting",
      "long-acting",
      "NovoRapid",
      "Humalog",
      "Fiasp",
      "Lyumjev",
      "Lantus",
      "Tresiba",
      "Levemir",
    ],
  },
];

/** "4.5 U": doses to the 0.05 U a pump can give, without trailing zeros. */
export function formatUnits(units: number): string {
  return `${Number((Math.round(units * 20) / 20).toFixed(2))} U`;
}

const COLUMNS: Column<InsulinDose>[] = [
  { header: "Time", render: (d, zone) => formatDateTime(d.timestamp, zone) },
  { header: "Type", render: (d) => (d.kind === "basal" ? "Basal" : "Bolus") },
  { header: "Units", className: "tabular-nums", render: (d) => formatUnits(d.units) },
  { header: "Insulin", className: "hidden sm:table-cell", render: (d) => d.insulin_type ?? "—" },
];

export function InsulinView() {
  return (
    <ResourcePage
      kind="insulin"
      title="Insulin"
      singular="insulin dose"
      description="Bolus and basal doses. Insights use them to relate insulin to your glucose; the forecast counts insulin on board."
      fields={FIELDS}
      columns={COLUMNS}
    />
  );
}
