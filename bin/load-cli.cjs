// Loads the bundled CLI (dist/cli/bundle.cjs, one file written by build/bundle-cli.js) with V8's
// code cache of it (bundle.cjs.cache), so a start compiles almost nothing: Node 20 has no compile
// cache for ES modules. A cache from another build, Node or V8 is refused, and the bundle is then
// compiled from its text. CommonJS: an ES module launcher would start Node's ES module loader.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'cli', 'bundle.cjs');
const CACHE = `${BUNDLE}.cache`;

/** The build's id, on the bundle's first line (`// build <id>`); it heads the cache file too. */
function buildId(source) {
  return /^\/\/ build ([0-9a-f]+)\n/.exec(source)?.[1];
}

function cacheFor(id) {
  if (id === undefined) return undefined;
  let data;
  try {
    data = readFileSync(CACHE);
  } catch {
    return undefined; // none (removed, or a build that could not write it): compile from the text
  }
  const head = `${id}\n`;
  return data.toString('latin1', 0, head.length) === head ? data.subarray(head.length) : undefined;
}

/**
 * The bundle's exports (`main`); its compiled script, the build's id and the cache's path (for
 * build/warm-cache.js); whether V8 took the cache.
 */
function loadCli() {
  const source = readFileSync(BUNDLE, 'utf8');
  const id = buildId(source);
  const cachedData = cacheFor(id);
  // The file is a function expression (exports, require, module, __filename, __dirname).
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { exports: module.exports, script, id, cache: CACHE, fromCache: cachedData !== undefined && !script.cachedDataRejected };
}

module.exports = { loadCli };
