import type { Metadata } from "next";
import { MealsInsightView } from "./meals-view";

export const metadata: Metadata = { title: "Meal responses" };

export default function MealsInsightPage() {
  return <MealsInsightView />;
}
