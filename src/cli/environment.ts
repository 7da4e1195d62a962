// The environment a CLI command runs in: process.env over `.env` in the working directory.
// Read when the command starts, not cached: an in-process caller may run commands in several directories.
import { resolve } from 'node:path';
import { readDotenv } from '../config/dotenv.js';
import type { Output } from './output.js';

export type Environment = Record<string, string | undefined>;

export function loadEnvironment(out: Output): Environment {
  const { values, warnings } = readDotenv(resolve('.env'));
  for (const w of warnings) out.warn(w);
  return { ...values, ...process.env };
}
