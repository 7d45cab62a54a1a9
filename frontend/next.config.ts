import type { NextConfig } from "next";

// Production builds are a static export served by the backend on the same origin.
// In development, `next dev` proxies /api to the backend so cookies stay same-origin.
const isExport = process.env.NODE_ENV === "production";
const backend = process.env.GLUCOLENS_API_URL ?? "http://127.0.0.1:8000";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  trailingSlash: true,
  images: { unoptimized: true },
  ...(isExport
    ? { output: "export" as const }
    : {
        async rewrites() {
          return [
            { source: "/api/:path*", destination: `${backend}/api/:path*` },
            { source: "/healthz", destination: `${backend}/healthz` },
          ];
        },
      }),
};

export default nextConfig;
