// Reads a `.env` file into a plain object. Variables already in the environment win, so a
// `.env` never overrides what an operator exported. Only what the tool needs: KEY=VALUE,
// comments, optional `export`, single or double quotes.
import { readFileSync, statSync } from 'node:fs';

export interface DotenvResult {
  values: Record<string, string>;
  warnings: string[];
}

export function readDotenv(path: string): DotenvResult {
  const warnings: string[] = [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { values: {}, warnings };
    warnings.push(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    return { values: {}, warnings };
  }
  try {
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0 && process.platform !== 'win32') {
      warnings.push(`${path} is readable by other users and may hold the access token: chmod 600 ${path}`);
    }
  } catch {
    // The file was just read; a failing stat only loses the permission warning.
  }
  const values: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      warnings.push(`${path}:${i + 1}: ignoring a line that is not KEY=VALUE`);
      return;
    }
    let value = m[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    values[m[1]] = value;
  });
  return { values, warnings };
}
