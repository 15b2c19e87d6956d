// Builds the service worker into a finished production build: bundles sw.js (Workbox modules) with esbuild,
// then has workbox-build inject the precache manifest: the shell files and, for each farmer page, its HTML and
// the hashed scripts and styles that HTML loads (not all ~700 build files: admin pages load on demand).
//
//   node tools/service-worker/build.mjs <build dir> <route> [<route> ...]
//
// Run by the Reflex plugin in kisaan_app/pwa_build.py after every `reflex export`/`reflex run --env prod`.
import { build } from "esbuild";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { injectManifest } from "workbox-build";

const here = dirname(fileURLToPath(import.meta.url));
const [staticDir, ...routes] = process.argv.slice(2);
if (!staticDir || !existsSync(staticDir)) {
  console.error(`usage: build.mjs <build dir> <route>...; no build at ${staticDir}`);
  process.exit(2);
}

const SHELL = ["offline.html", "manifest.webmanifest", "favicon.ico", "icons/icon-192.png", "icons/logo-56.png", "styles.css", "kisaan-offline.js"];

function pageFile(route) {
  const name = route.replace(/^\/+|\/+$/g, "");
  for (const candidate of name ? [`${name}.html`, `${name}/index.html`] : ["index.html"]) {
    if (existsSync(join(staticDir, candidate))) return candidate;
  }
  throw new Error(`no built page for ${route} in ${staticDir}`);
}

const files = new Set(SHELL.filter((f) => existsSync(join(staticDir, f))));
for (const route of routes) {
  const page = pageFile(route);
  files.add(page);
  const html = readFileSync(join(staticDir, page), "utf8");
  for (const [, asset] of html.matchAll(/["'(]\/(assets\/[^"')?#]+)/g)) {
    if (existsSync(join(staticDir, asset))) files.add(asset);
  }
}

const bundled = join(staticDir, "sw.src.js");
await build({
  entryPoints: [join(here, "sw.js")],
  bundle: true,
  format: "iife",
  minify: true,
  target: "es2019",
  outfile: bundled,
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});

const { count, size, warnings } = await injectManifest({
  swSrc: bundled,
  swDest: join(staticDir, "sw.js"),
  globDirectory: staticDir,
  globPatterns: [...files],
  // Build files are named by their content hash: the URL is its own revision.
  dontCacheBustURLsMatching: /^assets\//,
  maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
});
rmSync(bundled);
for (const warning of warnings) console.warn(`service worker: ${warning}`);
console.log(`service worker: ${count} files precached (${Math.round(size / 1024)} KB before compression)`);
