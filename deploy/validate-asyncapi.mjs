// Checks AsyncAPI documents with the official parser (@asyncapi/parser, pinned in package.json):
// prints every error and warning, one a line after the document's path, and exits 1 if there is
// any. Usage: node deploy/validate-asyncapi.mjs [path...], docs/asyncapi.json by default.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Parser } from "@asyncapi/parser";

// The parser's severities are Spectral's: 0 error, 1 warning, 2 information, 3 hint.
const SEVERITY = { 0: "error", 1: "warning" };

const root = resolve(fileURLToPath(import.meta.url), "../..");
const paths = process.argv.length > 2 ? process.argv.slice(2) : [resolve(root, "docs/asyncapi.json")];
const parser = new Parser();

async function problems(path) {
  const text = await readFile(path, "utf8");
  const { diagnostics } = await parser.parse(text, { source: path });
  const reported = diagnostics.filter((d) => d.severity in SEVERITY);
  for (const d of reported) {
    const where = d.path.length ? `#/${d.path.join("/")}` : "(document)";
    console.log(`${path}: ${SEVERITY[d.severity]} ${d.code} at ${where}: ${d.message}`);
  }
  if (reported.length) {
    console.log(`${path}: ${reported.length} problem(s)`);
  } else {
    console.log(`${path}: a valid AsyncAPI ${JSON.parse(text).asyncapi} document`);
  }
  return reported.length;
}

let total = 0;
for (const path of paths) {
  total += await problems(resolve(path));
}
process.exit(total ? 1 : 0);
