import { cva, type VariantProps } from "class-variance-authority";
import * as React from "react";
import { cn } from "@/lib/utils";

const badgeVariants = cva("inline-flex items-center gap-1 rounded-full px-2.5 py-0.5 text-xs font-medium", {
  variants: {
    variant: {
      neutral: "bg-slate-100 text-slate-700",
      success: "bg-green-50 text-green-800 ring-1 ring-green-200",
      warning: "bg-amber-50 text-amber-800 ring-1 ring-amber-200",
      danger: "bg-red-50 text-red-800 ring-1 ring-red-200",
      info: "bg-brand-50 text-brand-800 ring-1 ring-brand-200",
    },
  },
  defaultVariants: { variant: "neutral" },
});

export function Badge({ className, variant, ...props }: React.HTMLAttributes<HTMLSpanElement> & VariantProps<typeof badgeVariants>) {
  return <span className={cn(badgeVariants({ variant }), className)} {...props} />;
}
