// The web app's API types come from the backend's OpenAPI schema, never from hand-written copies.
//
//   node scripts/api-types.mjs          regenerate openapi.json and src/lib/api-schema.d.ts
//   node scripts/api-types.mjs --check  fail (exit 1) when either committed file is stale
//
// The schema comes from `glucolens openapi` (sorted keys, so the same backend code gives the same
// bytes), run from the backend's virtualenv: GLUCOLENS_VENV_BIN, default <repo>/.venv/bin.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const VENV_BIN = process.env.GLUCOLENS_VENV_BIN ?? resolve(FRONTEND, "..", ".venv", "bin");
const SCHEMA = join(FRONTEND, "openapi.json");
const TYPES = join(FRONTEND, "src", "lib", "api-schema.d.ts");
const GENERATOR = join(FRONTEND, "node_modules", ".bin", "openapi-typescript");

function exportSchema(target) {
  const glucolens = join(VENV_BIN, "glucolens");
  if (!existsSync(glucolens)) {
    console.error(`api-types: ${glucolens} not found; install the backend first (make install) or set GLUCOLENS_VENV_BIN`);
    process.exit(2);
  }
  writeFileSync(target, execFileSync(glucolens, ["openapi"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }));
}

function generateTypes(schema, target) {
  execFileSync(GENERATOR, [schema, "--output", target], { cwd: FRONTEND, stdio: ["ignore", "ignore", "inherit"] });
}

function generate(schema, types) {
  exportSchema(schema);
  generateTypes(schema, types);
}

if (process.argv.includes("--check")) {
  const dir = mkdtempSync(join(tmpdir(), "glucolens-api-types-"));
  try {
    const fresh = { [SCHEMA]: join(dir, "openapi.json"), [TYPES]: join(dir, "api-schema.d.ts") };
    generate(fresh[SCHEMA], fresh[TYPES]);
    const stale = Object.entries(fresh).filter(
      ([committed, regenerated]) => !existsSync(committed) || readFileSync(committed, "utf8") !== readFileSync(regenerated, "utf8"),
    );
    if (stale.length) {
      for (const [committed, regenerated] of stale) {
        console.error(`api-types: ${relative(FRONTEND, committed)} is stale (differs from the backend's current schema)`);
        try {
          execFileSync("diff", ["-u", committed, regenerated], { stdio: ["ignore", "pipe", "ignore"] });
        } catch (e) {
          console.error(String(e.stdout).split("\n").slice(0, 40).join("\n"));
        }
      }
      console.error("api-types: run `npm run gen:api` in frontend/ and commit the result");
      process.exit(1);
    }
    console.log("api-types: openapi.json and src/lib/api-schema.d.ts match the backend");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  generate(SCHEMA, TYPES);
  console.log(`api-types: wrote ${relative(FRONTEND, SCHEMA)} and ${relative(FRONTEND, TYPES)}`);
}
