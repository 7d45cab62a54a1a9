"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";

export default function Home() {
  const router = useRouter();
  useEffect(() => {
    router.replace("/dashboard/");
  }, [router]);
  return (
    <main className="flex min-h-screen items-center justify-center p-6 text-sm text-slate-600">
      <p>
        Opening GlucoLens…{" "}
        <Link href="/dashboard/" className="text-brand-700 underline">
          Go to the dashboard
        </Link>
      </p>
    </main>
  );
}
