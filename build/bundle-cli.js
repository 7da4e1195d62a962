// `npm run build`, after tsc: the CLI's modules (dist/, as tsc wrote them) bundled into one
// CommonJS file, dist/cli/bundle.cjs, and V8's code cache of it after a warm start,
// bundle.cjs.cache (bin/load-cli.cjs loads both). Node 20 compiles each of the CLI's ~250 ES
// modules from its text at every start and caches none: BENCHMARKS.md, issue 22, start-up.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const BUNDLE = join(DIST, 'cli', 'bundle.cjs');

// Packages only some runs need stay files of their own, loaded when used, so that a start does
// not pay for them and test/cli/start-up-modules.test.ts sees, in the CLI as shipped, when one is
// loaded: CommonJS ones from node_modules; got (ES modules only, which require() cannot load on
// Node 20) bundled alone into dist/vendor/got.cjs. yaml and csv-parse, one of which every plan
// needs, are inside the bundle and its code cache (20 ms less for a YAML plan than a file of its
// own); the test sees them in tsc's modules, whose imports the bundle follows.
const EXTERNAL = ['pg', 'prom-client', 'hpagent', 'pino-pretty'];
const VENDOR = ['got'];

// Minified (names too: 7 ms less for a plan of an empty manifest than whitespace and syntax
// alone, a smaller file to read and a smaller cache); `node --enable-source-maps` maps a stack
// back to src/ through bundle.cjs.map and tsc's maps.
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning', absWorkingDir: ROOT };

for (const name of VENDOR) await build({ ...common, entryPoints: [name], outfile: join(DIST, 'vendor', `${name}.cjs`) });

// An import of a vendored package or of pg or prom-client, static or import(), becomes a
// require() of its file, made when the importing module first runs: esbuild would leave an
// import() of an outside file as it is, and the bundle is a script, which has no import().
const SHIMMED = [...VENDOR, ...EXTERNAL];
const target = (name) => (VENDOR.includes(name) ? `../vendor/${name}.cjs` : name);
const shims = {
  name: 'shims',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${SHIMMED.join('|')})$`) }, (args) =>
      args.namespace === 'shim' ? { path: target(args.path), external: true } : { path: args.path, namespace: 'shim' },
    );
    b.onLoad({ filter: /.*/, namespace: 'shim' }, (args) => ({ contents: `export * from '${args.path}'; export { default } from '${args.path}';`, loader: 'js' }));
  },
};

// The build's id heads the bundle and its cache (bin/load-cli.cjs takes only a cache of the same
// build). The bundle is written as the function a CommonJS module is wrapped in, so that the
// loader compiles the file as read (no 1.4 MB copy to wrap it at each start).
const id = randomBytes(8).toString('hex');
await build({
  ...common,
  entryPoints: [join(DIST, 'cli', 'main.js')],
  external: EXTERNAL,
  plugins: [shims],
  // `import.meta.url` has no meaning in CommonJS: the bundle's own URL, in dist/cli/ like the
  // modules that use it (cli/package-files.ts, log.ts, api/proxy-agents.ts).
  inject: [join(ROOT, 'build', 'import-meta-url.js')],
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: `// build ${id}\n(function (exports, require, module, __filename, __dirname) {` },
  footer: { js: '})' },
  sourcemap: 'linked',
  outfile: BUNDLE,
});
const text = readFileSync(BUNDLE, 'utf8');
if (/\bimport\("/.test(text)) throw new Error('bundle-cli: the bundle has an import() of a file outside it (add the package to EXTERNAL or VENDOR)');
rmSync(`${BUNDLE}.cache`, { force: true });

// The cache holds what a start compiled: plans of an empty YAML and CSV manifest, in a process of
// its own with a bare environment (no .env, no GENUIN_* of the machine that builds).
const tmp = mkdtempSync(join(tmpdir(), 'genuin-warm-'));
try {
  execFileSync(process.execPath, [join(ROOT, 'build', 'warm-cache.js')], { cwd: tmp, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
