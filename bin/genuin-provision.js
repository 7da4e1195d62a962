#!/usr/bin/env node
// The command's former path, kept for scripts that name it: the same CLI as genuin-provision.cjs
// (package.json "bin"), which starts quicker (no ES module loader).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./genuin-provision.cjs');
