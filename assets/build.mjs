// Builds the static assets into ssgp_dhr/static (git-ignored): compiled CSS, the GOV.UK Frontend
// script and the house favicon. Run by `npm run build`, which `make` calls.
import { copyFileSync, mkdirSync, writeFileSync, cpSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "ssgp_dhr", "static");
mkdirSync(join(out, "js"), { recursive: true });

const css = sass.compile(join(root, "assets", "scss", "application.scss"), {
  style: "compressed",
  sourceMap: false,
  importers: [new sass.NodePackageImporter()],
  loadPaths: [root],
  quietDeps: true,
  silenceDeprecations: ["import"],
  logger: sass.Logger.silent,
});
writeFileSync(join(out, "application.css"), css.css);

const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));
for (const script of ["application.mjs", "session-timeout.mjs"]) {
  copyFileSync(join(root, "assets", "js", script), join(out, "js", script));
}
copyFileSync(join(root, "assets", "favicon.svg"), join(out, "favicon.svg"));
// Icons the GOV.UK and MoJ styles refer to (no fonts: the tracker uses the system font stack).
cpSync(join(govuk, "assets", "images"), join(out, "images"), {
  recursive: true,
  filter: (src) => !/govuk-(crest|icon|opengraph)|favicon/.test(src),
});
cpSync(join(root, "node_modules", "@ministryofjustice", "frontend", "moj", "assets", "images"), join(out, "images"), { recursive: true });
// axe-core for the accessibility checks in the browser tests, served like any other asset.
copyFileSync(join(root, "node_modules", "axe-core", "axe.min.js"), join(out, "js", "axe.min.js"));
console.log(`assets built in ${out}`);
