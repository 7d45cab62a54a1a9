import type { SourceCounts, SourceKind } from "./api-types";

const KIND_WORDS: Record<SourceKind, [string, string]> = {
  glucose: ["glucose reading", "glucose readings"],
  insulin: ["insulin dose", "insulin doses"],
  sleep: ["sleep entry", "sleep entries"],
  meals: ["meal", "meals"],
  activities: ["activity", "activities"],
};
const KINDS = Object.keys(KIND_WORDS) as SourceKind[];

/** "864 glucose readings, 90 sleep entries and 1 meal"; kinds with no rows are left out. */
export function describeCounts(counts: Partial<SourceCounts>): string {
  const parts = KINDS.filter((k) => (counts[k] ?? 0) > 0).map((k) => {
    const n = counts[k] ?? 0;
    return `${n.toLocaleString("en")} ${KIND_WORDS[k][n === 1 ? 0 : 1]}`;
  });
  if (parts.length === 0) return "nothing";
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** The deletion preview in words: "This deletes 12,345 glucose readings, 20 meals and 1 activity." */
export function deletionSentence(counts: Partial<SourceCounts>): string {
  if (totalCount(counts) === 0) return "Nothing matches this choice, so nothing would be deleted.";
  return `This deletes ${describeCounts(counts)}.`;
}

export function totalCount(counts: Partial<SourceCounts>): number {
  return KINDS.reduce((sum, k) => sum + (counts[k] ?? 0), 0);
}

const SOURCE_NAMES: Record<string, string> = {
  demo: "Demo data",
  manual: "Entered by hand",
  csv: "CSV import",
  dexcom_clarity: "Dexcom Clarity",
  libreview: "LibreView",
  apple_health: "Apple Health",
  nightscout: "Nightscout",
  xdrip: "xDrip+",
  healthkit: "HealthKit",
};

/** A person's name for a source id; API clients' own ids are shown as they are. */
export function sourceLabel(source: string): string {
  return SOURCE_NAMES[source] ?? source;
}
