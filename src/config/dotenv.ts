// Reads a `.env` file into a plain object through Node's own parser (util.parseEnv), and warns
// when others may read it: it may hold the access token. The caller lets the environment win.
import { readFileSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';

export interface DotenvResult {
  values: Record<string, string>;
  warnings: string[];
}

/** Names a variable can have. parseEnv joins a line without `=` to the next line's key: such keys are dropped. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readDotenv(path: string): DotenvResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No .env is the normal case; one we may not read is the other permission problem worth a line.
    return { values: {}, warnings: code === 'ENOENT' ? [] : [`cannot read ${path}: ${code ?? 'error'}`] };
  }
  const values: Record<string, string> = {};
  // parseEnv keeps a byte order mark as part of the first key.
  for (const [key, value] of Object.entries(parseEnv(text.replace(/^\uFEFF/, '')))) {
    if (value !== undefined && NAME.test(key)) values[key] = value;
  }
  return { values, warnings: readableByOthers(path) ? [`${path} is readable by other users and may hold the access token: chmod 600 ${path}`] : [] };
}

function readableByOthers(path: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    // The file was just read; a failing stat only loses the warning.
    return false;
  }
}
