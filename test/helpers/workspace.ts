// One simulator and one scratch directory per test, for end-to-end tests of the CLI.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from './cli.js';

export interface Workspace {
  /** The simulator of the current test (fresh for every test). */
  readonly sim: Simulator;
  /** The current test's scratch directory: the CLI's working directory. */
  readonly dir: string;
  /** GENUIN_API_URL and GENUIN_ACCESS_TOKEN for the current simulator. */
  env(): Record<string, string>;
  /** Writes a file into the scratch directory; returns its path. */
  write(name: string, text: string): string;
}

/** Registers the hooks that give every test of the file its own simulator and directory. */
export function simulatorWorkspace(token: string): Workspace {
  let sim: Simulator | undefined;
  let dir = '';
  beforeEach(async () => {
    sim = await startSimulator({ token });
    dir = tempDir();
  });
  afterEach(async () => {
    await sim?.close();
  });
  return {
    get sim() {
      return sim!;
    },
    get dir() {
      return dir;
    },
    env: () => ({ GENUIN_API_URL: sim!.url, GENUIN_ACCESS_TOKEN: token }),
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
