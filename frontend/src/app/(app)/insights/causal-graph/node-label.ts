import type { CausalNode } from "@/lib/insight-payloads";
import { isKnownVariable, variableLabel } from "@/lib/variables";

/**
 * "Time in range (%)": the shared human name and unit when the variable is known (the graph's
 * glucose values are in mg/dL), else the API's label and unit.
 */
export function nodeLabel(n: CausalNode): string {
  if (isKnownVariable(n.id)) return variableLabel(n.id, "mg/dL");
  const name = n.label ? n.label[0].toUpperCase() + n.label.slice(1) : n.id;
  return `${name}${n.unit ? ` (${n.unit})` : ""}`;
}
