import {
  Activity,
  Bell,
  BellRing,
  Database,
  Droplet,
  FlaskConical,
  Grid3x3,
  KeyRound,
  LayoutDashboard,
  LineChart,
  Moon,
  Repeat,
  Syringe,
  Upload,
  User as UserIcon,
  Utensils,
  UtensilsCrossed,
  Waypoints,
  type LucideIcon,
} from "lucide-react";

export interface NavItem {
  href: string;
  label: string;
  icon: LucideIcon;
}

export interface NavGroup {
  heading: string | null;
  items: NavItem[];
}

/** The app's navigation, for the sidebar (wide screens) and the menu sheet (phones). */
export const NAV: NavGroup[] = [
  {
    heading: null,
    items: [
      { href: "/dashboard/", label: "Dashboard", icon: LayoutDashboard },
      { href: "/alerts/", label: "Alerts", icon: BellRing },
    ],
  },
  {
    heading: "Data",
    items: [
      { href: "/data/glucose/", label: "Glucose", icon: Droplet },
      { href: "/data/insulin/", label: "Insulin", icon: Syringe },
      { href: "/data/sleep/", label: "Sleep", icon: Moon },
      { href: "/data/meals/", label: "Meals", icon: Utensils },
      { href: "/data/activities/", label: "Activities", icon: Activity },
      { href: "/data/import/", label: "Import", icon: Upload },
    ],
  },
  {
    heading: "Insights",
    items: [
      { href: "/insights/correlations/", label: "Correlations", icon: Grid3x3 },
      { href: "/insights/patterns/", label: "Patterns", icon: Repeat },
      { href: "/insights/causal-graph/", label: "Causal graph", icon: Waypoints },
      { href: "/insights/predictions/", label: "Predictions", icon: LineChart },
      { href: "/insights/experiments/", label: "Experiments", icon: FlaskConical },
      { href: "/insights/meals/", label: "Meal responses", icon: UtensilsCrossed },
    ],
  },
  {
    heading: "Settings",
    items: [
      { href: "/settings/profile/", label: "Profile", icon: UserIcon },
      { href: "/settings/data/", label: "Your data", icon: Database },
      { href: "/settings/integrations/", label: "Integrations", icon: KeyRound },
      { href: "/settings/alerts/", label: "Alerts", icon: Bell },
    ],
  },
];

export function isActive(pathname: string, href: string): boolean {
  const norm = (p: string) => (p.endsWith("/") ? p : `${p}/`);
  return norm(pathname) === href;
}

export function activeItem(pathname: string): NavItem | undefined {
  return NAV.flatMap((g) => g.items).find((i) => isActive(pathname, i.href));
}
