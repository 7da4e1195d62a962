// Baseline for `plan` on a YAML manifest: the yaml package alone parsing the same file to plain
// data (YAML.parse = parseDocument + toJS), as any YAML loader must at least do.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

const file = process.argv[2];
const data = YAML.parse(readFileSync(file, 'utf8'), { maxAliasCount: 10_000 });
console.log(JSON.stringify({ communities: data.communities.length }));
