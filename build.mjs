// Bundle and minify the site's CSS and JS from static/src into static/dist (ignored by git).
//
// The scripts are ES modules split into chunks: code two pages' scripts share (the Socket.IO client and
// the one connection it makes, static/src/js/realtime.js) is one file, downloaded and cached once. Every
// CSS and JS file gets a gzipped copy beside it (`site.css.gz`), which the server (civic/assets.py) and
// nginx (`gzip_static on`) send to browsers that accept gzip, without compressing on each request.
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const OUT = "static/dist";
mkdirSync(OUT, { recursive: true });
const styles = await build({
  entryPoints: { site: "static/src/css/site.css", discussion: "static/src/css/discussion.css", drafting: "static/src/css/drafting.css", opinions: "static/src/css/opinions.css", coalitions: "static/src/css/coalitions.css", live: "static/src/css/live.css", projector: "static/src/css/projector.css" },
  bundle: true,
  minify: true,
  outdir: OUT,
  logLevel: "warning",
  metafile: true,
});
const scripts = await build({
  entryPoints: {
    site: "static/src/js/site.js",
    discussion: "static/src/js/discussion.js",
    ballot: "static/src/js/ballot.js",
    "poll-live": "static/src/js/poll-live.js",
    notifications: "static/src/js/notifications.js",
    drafting: "static/src/js/drafting.js",
    opinions: "static/src/js/opinions.js",
    live: "static/src/js/live.js",
    "live-console": "static/src/js/live-console.js",
    coalitions: "static/src/js/coalitions.js",
  },
  bundle: true,
  minify: true,
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  target: ["es2017"],
  outdir: OUT,
  logLevel: "warning",
  metafile: true,
});

// What this build wrote; anything else in static/dist is an older build's (a chunk whose hash changed).
const built = new Set(
  [styles, scripts].flatMap((result) => Object.keys(result.metafile.outputs)).map((path) => path.replace(/\\/g, "/")),
);
function files(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(folder, entry.name)) : [join(folder, entry.name).replace(/\\/g, "/")],
  );
}
for (const file of files(OUT)) {
  const source = file.endsWith(".gz") ? file.slice(0, -3) : file;
  if (!built.has(source)) rmSync(file);
}
for (const file of built) {
  if (/\.(js|css)$/.test(file)) writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
}
