// Prints the CHANGELOG.md section of a version, the release's notes: `node scripts/release-notes.ts 0.1.0`.
// The release workflow runs it; it fails when the version has no section, so no release goes out undescribed.
import { readFileSync } from "node:fs";

/** The body of `## [version]` (or `## version`) up to the next `## ` heading, trimmed. */
export function releaseNotes(changelog: string, version: string): string {
  const lines = changelog.split("\n");
  const heading = (line: string) => /^## \[?([^\]\s]+)\]?/.exec(line)?.[1];
  const start = lines.findIndex((line) => heading(line) === version);
  if (start === -1) throw new Error(`CHANGELOG.md has no "## [${version}]" section`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith("## "));
  const notes = lines
    .slice(start + 1, end === -1 ? undefined : end)
    .join("\n")
    .trim();
  if (notes === "") throw new Error(`CHANGELOG.md's "## [${version}]" section is empty`);
  return notes;
}

if (import.meta.main) {
  const version = process.argv[2];
  if (!version) {
    console.error("usage: node scripts/release-notes.ts VERSION");
    process.exit(2);
  }
  try {
    console.log(releaseNotes(readFileSync(new URL("../CHANGELOG.md", import.meta.url), "utf8"), version));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
