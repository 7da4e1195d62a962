// Files shipped beside the code (package.json, manifests/), found from this module's folder:
// src/cli/ and dist/cli/ alike, and the bundled CLI (dist/cli/bundle.cjs), whose import.meta.url
// is the bundle's own, one folder for every module in it.
import { fileURLToPath } from 'node:url';

/** The path of `relative` in the package's root folder. */
export function packageFile(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}
