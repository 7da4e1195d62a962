// Injected into the CommonJS bundle (bundle-cli.js) for `import.meta.url`: the bundle's own URL
// (`__filename` is the bundle's, given by bin/load-cli.cjs).
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
