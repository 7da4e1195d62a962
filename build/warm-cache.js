// Run by bundle-cli.js in an empty working folder: starts the bundled CLI as a plan of an empty
// YAML and CSV manifest does, then writes V8's code cache of all it compiled, headed by the build's id.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const { loadCli } = createRequire(import.meta.url)('../bin/load-cli.cjs');
writeFileSync('empty.yaml', 'version: 1\n');
writeFileSync('empty.csv', 'kind,handle,name,type,community_handle,group.name\n');
const { exports, script, id, cache } = loadCli();
for (const file of ['empty.yaml', 'empty.csv']) {
  const code = await exports.main([process.execPath, 'genuin-provision', 'plan', file, '--ledger', 'absent.jsonl']);
  if (code !== 0) throw new Error(`warm-cache: plan ${file} exited ${code}`);
}
writeFileSync(cache, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
