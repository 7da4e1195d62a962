// The defaults of a run: every YAML file's `defaults`, combined per kind, frozen. Defaults apply to
// every file of the run (CSV too), so a leaf that two files set differently is a fault.
import type { ManifestFault } from '../../errors.js';
import { formatPath, valueAt } from '../issues.js';
import { type PlainObject, combineDefaults, deepFreeze } from '../merge.js';
import type { Defaults } from '../validate.js';
import type { DefaultsKind, YamlSource } from '../yaml/read.js';
import { faultAt } from './fault.js';

interface Combined {
  value?: PlainObject;
  /** Some file's defaults of this kind had faults, or two files disagree. */
  broken: boolean;
  faults: ManifestFault[];
}

function combineKind(kind: DefaultsKind, files: readonly YamlSource[]): Combined {
  const out: Combined = { broken: false, faults: [] };
  const earlier: YamlSource[] = [];
  for (const y of files) {
    const d = y.defaults[kind];
    if (!d) continue;
    if (!d.ok) out.broken = true;
    out.value =
      out.value === undefined
        ? d.value
        : combineDefaults(out.value, d.value, (path) => {
            out.broken = true;
            const firstFile = earlier.find((e) => valueAt(e.defaults[kind]?.value, path) !== undefined)?.file ?? 'another file';
            const message = `set differently in the defaults of ${firstFile}: defaults apply to every file of a run, so they must agree`;
            out.faults.push(faultAt(y.file, d.locate(path, false), `defaults.${kind}.${formatPath(path)}`, message));
          });
    earlier.push(y);
  }
  return out;
}

/** The run's defaults from its YAML files (in the order given), and the faults of their disagreements. */
export function runDefaults(files: readonly YamlSource[]): { defaults: Defaults; faults: ManifestFault[] } {
  const defaults: Defaults = {};
  const faults: ManifestFault[] = [];
  for (const kind of ['community', 'group'] as const) {
    const combined = combineKind(kind, files);
    faults.push(...combined.faults);
    if (combined.value === undefined) continue;
    defaults[kind] = deepFreeze(combined.value);
    if (combined.broken) defaults[kind === 'community' ? 'communityBroken' : 'groupBroken'] = true;
  }
  return { defaults, faults };
}
