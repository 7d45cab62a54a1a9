"use client";
import { PageHeader } from "@/components/app-shell";
import { ApiKeysCard } from "./api-keys-card";
import { HealthKitSection } from "./healthkit-section";
import { NightscoutSection } from "./nightscout-section";

export function IntegrationsView() {
  return (
    <div className="space-y-6">
      <PageHeader
        title="Integrations"
        description="Connect the apps that send your readings: Nightscout uploaders, Apple Health, and scripts that use GlucoLens's API."
      />
      <NightscoutSection />
      <HealthKitSection />
      <ApiKeysCard />
    </div>
  );
}
