// The tool's own version, from the package.json shipped beside dist/ (and src/): never
// npm_package_version, which is the version of whatever package npx or npm runs in.
import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.js';

export function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    // A copy without its package.json: say so rather than guess.
  }
  return 'unknown';
}
