"use client";
import { PageHeader } from "@/components/app-shell";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useInsight, type InsightKind } from "@/hooks/queries";
import { InsightFrame, RecomputeButton } from "./insight-frame";

/**
 * The shape every insight view shares: a header with Recompute, then one card per insight.
 * Each card fetches its insight and shows loading, the job's progress, not-enough-data and
 * errors the same way (InsightFrame); the view supplies only what to draw from the data.
 */
export function InsightPage({ title, description, children }: { title: string; description: string; children: React.ReactNode }) {
  return (
    <div className="space-y-6">
      <PageHeader title={title} description={description} actions={<RecomputeButton />} />
      {children}
    </div>
  );
}

/** One insight in a card; `children` draws its data (`T`, see src/lib/insight-payloads.ts). */
export function InsightCard<T>({
  kind,
  title,
  description,
  skeletonHeight,
  children,
}: {
  kind: InsightKind;
  title: string;
  description: React.ReactNode;
  skeletonHeight?: string;
  children: (data: T) => React.ReactNode;
}) {
  const { insight, job } = useInsight<T>(kind);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent>
        <InsightFrame insight={insight} job={job} skeletonHeight={skeletonHeight}>
          {children}
        </InsightFrame>
      </CardContent>
    </Card>
  );
}
