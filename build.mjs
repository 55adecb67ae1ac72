// Bundle and minify the site's CSS and JS from static/src into static/dist (ignored by git).
import { build } from "esbuild";
import { mkdirSync } from "node:fs";

mkdirSync("static/dist", { recursive: true });
await build({
  entryPoints: { site: "static/src/css/site.css", discussion: "static/src/css/discussion.css", drafting: "static/src/css/drafting.css", opinions: "static/src/css/opinions.css", coalitions: "static/src/css/coalitions.css", live: "static/src/css/live.css", projector: "static/src/css/projector.css" },
  bundle: true,
  minify: true,
  outdir: "static/dist",
  logLevel: "warning",
});
await build({
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
  target: ["es2017"],
  outdir: "static/dist",
  logLevel: "warning",
});
