// The environment the CLI runs in: process.env over `.env` in the working directory.
import { resolve } from 'node:path';
import { readDotenv } from '../config/dotenv.js';
import type { Output } from './output.js';

export type Environment = Record<string, string | undefined>;

let cached: Environment | undefined;

export function loadEnvironment(out: Output): Environment {
  if (cached) return cached;
  const { values, warnings } = readDotenv(resolve('.env'));
  for (const w of warnings) out.warn(w);
  cached = { ...values, ...process.env };
  return cached;
}
