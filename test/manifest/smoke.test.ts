import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../src/manifest/load.js';
import { ManifestError, formatFault } from '../../src/errors.js';

describe('smoke', () => {
  for (const files of [['manifests/example.yaml'], ['manifests/adopt.yaml'], ['manifests/defaults.yaml', 'manifests/communities.csv', 'manifests/groups.csv'], ['manifests/doc-bodies.yaml'], ['manifests/doc-bodies.csv']]) {
    it(files.join(' '), async () => {
      try {
        const r = await loadManifests(files);
        console.log(JSON.stringify(r, null, 1).slice(0, 3000));
      } catch (e) {
        if (e instanceof ManifestError) console.log(e.faults.map(formatFault).join('\n'));
        throw e;
      }
    });
  }
});
