"use client";
import type { FieldDef } from "@/components/resource/fields";
import { ResourcePage, type Column } from "@/components/resource/resource-page";
import type { Meal } from "@/lib/api-types";
import { formatDateTime } from "@/lib/time";
import { MealResponseCell } from "./meal-response-cell";

const grams = { kind: "number" as const, min: 0, max: 1000, step: "1" };

const FIELDS: FieldDef[] = [
  { name: "timestamp", label: "Time", kind: "datetime", required: true },
  {
    name: "meal_type",
    label: "Meal",
    kind: "select",
    options: [
      { value: "breakfast", label: "Breakfast" },
      { value: "lunch", label: "Lunch" },
      { value: "dinner", label: "Dinner" },
      { value: "snack", label: "Snack" },
    ],
  },
  { name: "carbs_g", label: "Carbohydrates (g)", ...grams },
  { name: "protein_g", label: "Protein (g)", ...grams },
  { name: "fat_g", label: "Fat (g)", ...grams },
  { name: "kcal", label: "Energy (kcal)", kind: "number", min: 0, max: 10000, step: "1" },
  { name: "description", label: "Description", kind: "text", wide: true },
];

const cap = (s: string | null) => (s ? s[0].toUpperCase() + s.slice(1) : "—");

const COLUMNS: Column<Meal>[] = [
  { header: "Time", render: (m, zone) => formatDateTime(m.timestamp, zone) },
  // Below 640 px the meal type gives way to the glucose response, so the table fits a 390 px phone.
  { header: "Meal", className: "hidden sm:table-cell", render: (m) => cap(m.meal_type) },
  { header: "Carbs", render: (m) => (m.carbs_g != null ? `${Math.round(m.carbs_g)} g` : "—") },
  { header: "Glucose response", render: (m) => <MealResponseCell id={m.id} /> },
  { header: "kcal", className: "hidden sm:table-cell", render: (m) => (m.kcal != null ? Math.round(m.kcal).toLocaleString("en") : "—") },
  { header: "Description", className: "hidden md:table-cell max-w-60 truncate", render: (m) => m.description ?? "" },
];

export function MealsView() {
  return (
    <ResourcePage
      kind="meals"
      title="Meals"
      singular="meal"
      description="What and when you ate. Carbohydrates matter most for glucose. Each meal shows its glucose rise and when it peaked; see Insights → Meal responses for rankings."
      fields={FIELDS}
      columns={COLUMNS}
    />
  );
}
