import type { Metadata } from "next";
import { MealsView } from "./meals-view";

export const metadata: Metadata = { title: "Meals" };

export default function MealsPage() {
  return <MealsView />;
}
