export function Logo({ className }: { className?: string }) {
  return (
    <span className={`inline-flex items-center gap-2 font-semibold text-slate-900 ${className ?? ""}`}>
      <svg viewBox="0 0 24 24" className="size-6" aria-hidden>
        <circle cx="12" cy="12" r="10" fill="#1f7491" />
        <path d="M5 14c2 0 2.5-5 4.5-5s2.5 7 4.5 7 2.5-4 5-4" fill="none" stroke="white" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      GlucoLens
    </span>
  );
}
