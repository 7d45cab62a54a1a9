"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { PageHeader } from "@/components/app-shell";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useImports } from "@/hooks/queries";
import { useUser } from "@/hooks/use-user";
import { userLocale } from "@/lib/imports";
import { DropZone } from "./drop-zone";
import { ImportJobPanel } from "./import-job";
import { ImportList } from "./import-list";

/**
 * The import page. The job being shown is in the URL (?job=<id>), so leaving and coming back,
 * or reloading, returns to it; the list below links to every past and running import.
 */
export function ImportView() {
  const user = useUser();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const jobId = params.get("job");
  const imports = useImports();
  const locale = userLocale();

  const show = (id: string | null) => router.replace(id ? `${pathname}?job=${encodeURIComponent(id)}` : pathname, { scroll: false });

  return (
    <div className="space-y-6">
      <PageHeader
        title="Import"
        description={`Bring in the exports you have: CGM, meter, insulin, meals, sleep and activity. Times are shown in ${user.zone}.`}
      />
      <Card>
        <CardHeader>
          <CardTitle>{jobId ? "Import a file" : "Choose a file"}</CardTitle>
          <CardDescription>
            GlucoLens recognises the file from its content, shows what it found, and imports only after you confirm. Rows you already have
            are skipped.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {jobId ? (
            <ImportJobPanel id={jobId} zone={user.zone} locale={locale} onDone={() => show(null)} />
          ) : (
            <DropZone onUploaded={(job) => show(job.id)} locale={locale} />
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Past imports</CardTitle>
        </CardHeader>
        <CardContent>
          <ImportList query={imports} zone={user.zone} locale={locale} />
        </CardContent>
      </Card>
    </div>
  );
}
