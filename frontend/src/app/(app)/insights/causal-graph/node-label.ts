import type { CausalNode } from "@/lib/types";
import { isKnownVariable, variableName } from "@/lib/variables";

/** "Time in range (%)": the shared human name when the variable is known, else the API's label. */
export function nodeLabel(n: CausalNode): string {
  const name = isKnownVariable(n.id) ? variableName(n.id) : n.label ? n.label[0].toUpperCase() + n.label.slice(1) : variableName(n.id);
  return `${name}${n.unit ? ` (${n.unit})` : ""}`;
}
