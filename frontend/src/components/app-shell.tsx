"use client";
import { useQueryClient } from "@tanstack/react-query";
import { ChevronDown, KeyRound, LogOut, Menu, User as UserIcon } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { activeItem, isActive, NAV } from "@/config/nav";
import { useRealtime } from "@/hooks/use-realtime";
import { useUser } from "@/hooks/use-user";
import { logout } from "@/lib/api";
import { cn } from "@/lib/utils";
import { AlertBell } from "./alerts/bell";
import { AlertToasts } from "./alerts/toasts";
import { Logo } from "./logo";
import { Button } from "./ui/button";
import { Dialog, DialogContent } from "./ui/dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "./ui/dropdown-menu";

/** The navigation links, grouped; the sidebar and the phone menu sheet both render this. */
function NavLinks({ pathname, onNavigate }: { pathname: string; onNavigate?: () => void }) {
  return (
    <div className="space-y-5">
      {NAV.map((group) => (
        <div key={group.heading ?? "top"}>
          {group.heading ? <p className="mb-1 px-2 text-xs font-semibold uppercase tracking-wide text-slate-500">{group.heading}</p> : null}
          <ul className="space-y-0.5">
            {group.items.map((item) => {
              const active = isActive(pathname, item.href);
              const Icon = item.icon;
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    prefetch={false}
                    onClick={onNavigate}
                    aria-current={active ? "page" : undefined}
                    className={cn(
                      "flex items-center gap-2.5 whitespace-nowrap rounded-md px-2 py-2 text-sm md:py-1.5",
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
    </div>
  );
}

/** Below 768 px the navigation lives in a sheet that slides in from the left. */
function MobileNav({ pathname }: { pathname: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button
        variant="ghost"
        size="icon"
        className="md:hidden"
        aria-label="Open menu"
        aria-expanded={open}
        onClick={() => setOpen(true)}
        data-testid="nav-open"
      >
        <Menu aria-hidden />
      </Button>
      {open ? (
        <DialogContent side="left" title="Menu">
          <nav aria-label="Main" data-testid="nav-sheet">
            <NavLinks pathname={pathname} onNavigate={() => setOpen(false)} />
          </nav>
        </DialogContent>
      ) : null}
    </Dialog>
  );
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
        <span
          className="flex size-7 items-center justify-center rounded-full bg-brand-100 text-xs font-semibold text-brand-800"
          aria-hidden
        >
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
  const current = activeItem(pathname);
  // One real-time connection per tab, for every signed-in page (readings, alerts, the bell).
  useRealtime();
  return (
    <div className="min-h-screen md:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <aside className="hidden border-r border-slate-200 bg-white md:block md:w-56 md:shrink-0">
        <div className="sticky top-0 max-h-screen overflow-y-auto pb-6">
          <div className="flex h-14 items-center px-5">
            <Link href="/dashboard/" aria-label="GlucoLens dashboard">
              <Logo />
            </Link>
          </div>
          <nav aria-label="Main" className="px-3" data-testid="nav-sidebar">
            <NavLinks pathname={pathname} />
          </nav>
        </div>
      </aside>
      <div className="min-w-0 flex-1">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-slate-200 bg-white/90 px-2 backdrop-blur sm:px-6">
          <MobileNav pathname={pathname} />
          <Link href="/dashboard/" aria-label="GlucoLens dashboard" className="md:hidden">
            <Logo />
          </Link>
          {current ? <span className="truncate text-sm text-slate-500 md:hidden">· {current.label}</span> : null}
          <div className="ml-auto flex items-center gap-1">
            <AlertBell />
            <UserMenu />
          </div>
        </header>
        <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-5 focus:outline-none sm:px-6 lg:py-8">
          {children}
        </main>
      </div>
      <AlertToasts />
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: React.ReactNode; actions?: React.ReactNode }) {
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
