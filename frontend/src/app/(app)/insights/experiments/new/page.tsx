import type { Metadata } from "next";
import { NewExperimentForm } from "../new-experiment-form";

export const metadata: Metadata = { title: "New experiment" };

export default function NewExperimentPage() {
  return <NewExperimentForm />;
}
