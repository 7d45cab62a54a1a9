"use client";
import { useQueryClient } from "@tanstack/react-query";
import {
  Activity,
  Bell,
  ChevronDown,
  Droplet,
  Grid3x3,
  KeyRound,
  LayoutDashboard,
  LineChart,
  LogOut,
  Moon,
  Repeat,
  User as UserIcon,
  Utensils,
  Waypoints,
} from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useUser } from "@/hooks/use-user";
import { logout } from "@/lib/api";
import { cn } from "@/lib/utils";
import { Logo } from "./logo";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "./ui/dropdown-menu";

const NAV = [
  { heading: null, items: [{ href: "/dashboard/", label: "Dashboard", icon: LayoutDashboard }] },
  {
    heading: "Data",
    items: [
      { href: "/data/glucose/", label: "Glucose", icon: Droplet },
      { href: "/data/sleep/", label: "Sleep", icon: Moon },
      { href: "/data/meals/", label: "Meals", icon: Utensils },
      { href: "/data/activities/", label: "Activities", icon: Activity },
    ],
  },
  {
    heading: "Insights",
    items: [
      { href: "/insights/correlations/", label: "Correlations", icon: Grid3x3 },
      { href: "/insights/patterns/", label: "Patterns", icon: Repeat },
      { href: "/insights/causal-graph/", label: "Causal graph", icon: Waypoints },
      { href: "/insights/predictions/", label: "Predictions", icon: LineChart },
    ],
  },
  {
    heading: "Settings",
    items: [
      { href: "/settings/profile/", label: "Profile", icon: UserIcon },
      { href: "/settings/integrations/", label: "Integrations", icon: KeyRound },
      { href: "/settings/alerts/", label: "Alerts", icon: Bell },
    ],
  },
];

function isActive(pathname: string, href: string): boolean {
  const norm = (p: string) => (p.endsWith("/") ? p : `${p}/`);
  return norm(pathname) === href;
}

function UserMenu() {
  const user = useUser();
  const router = useRouter();
  const queryClient = useQueryClient();

  async function onLogout() {
    await logout().catch(() => undefined);
    queryClient.clear();
    router.replace("/login/");
  }

  const name = user.display_name || user.email;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-100"
        aria-label={`Account menu for ${name}`}
      >
        <span className="flex size-7 items-center justify-center rounded-full bg-brand-100 text-xs font-semibold text-brand-800" aria-hidden>
          {name.slice(0, 1).toUpperCase()}
        </span>
        <span className="hidden max-w-40 truncate sm:inline">{name}</span>
        <ChevronDown className="size-4 text-slate-400" aria-hidden />
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuLabel>
          <span className="block font-medium text-slate-800">{user.display_name || "Signed in"}</span>
          <span className="block truncate">{user.email}</span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => router.push("/settings/profile/")}>
          <UserIcon aria-hidden /> Profile & units
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => router.push("/settings/integrations/")}>
          <KeyRound aria-hidden /> API keys
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={onLogout} data-testid="logout">
          <LogOut aria-hidden /> Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

export function AppShell({ children }: { children: React.ReactNode }) {
  const pathname = usePathname();
  return (
    <div className="min-h-screen lg:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <aside className="border-b border-slate-200 bg-white lg:w-60 lg:shrink-0 lg:border-b-0 lg:border-r">
        <div className="lg:sticky lg:top-0 lg:max-h-screen lg:overflow-y-auto">
        <div className="flex h-14 items-center px-5">
          <Link href="/dashboard/" aria-label="GlucoLens dashboard">
            <Logo />
          </Link>
        </div>
        <nav aria-label="Main" className="flex gap-4 overflow-x-auto px-3 pb-3 lg:block lg:space-y-5 lg:overflow-visible lg:pb-6">
          {NAV.map((group) => (
            <div key={group.heading ?? "top"} className="shrink-0">
              {group.heading ? (
                <p className="mb-1 hidden px-2 text-xs font-semibold uppercase tracking-wide text-slate-400 lg:block">{group.heading}</p>
              ) : null}
              <ul className="flex gap-1 lg:block lg:space-y-0.5">
                {group.items.map((item) => {
                  const active = isActive(pathname, item.href);
                  const Icon = item.icon;
                  return (
                    <li key={item.href}>
                      <Link
                        href={item.href}
                        prefetch={false}
                        aria-current={active ? "page" : undefined}
                        className={cn(
                          "flex items-center gap-2.5 whitespace-nowrap rounded-md px-2 py-1.5 text-sm",
                          active ? "bg-brand-50 font-medium text-brand-800" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
                        )}
                      >
                        <Icon className="size-4 shrink-0" aria-hidden />
                        {item.label}
                      </Link>
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
        </nav>
        </div>
      </aside>
      <div className="min-w-0 flex-1">
        <header className="sticky top-0 z-30 flex h-14 items-center justify-end gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur sm:px-6">
          <UserMenu />
        </header>
        <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 focus:outline-none sm:px-6 lg:py-8">
          {children}
        </main>
      </div>
    </div>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: React.ReactNode;
  actions?: React.ReactNode;
}) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
        {description ? <p className="max-w-2xl text-sm text-slate-600">{description}</p> : null}
      </div>
      {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
    </div>
  );
}
