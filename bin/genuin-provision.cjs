#!/usr/bin/env node
// The command (package.json "bin"): the CLI bundled into dist/cli/bundle.cjs by `npm run build`
// (run by `npm ci` through the prepare script), loaded from V8's code cache (load-cli.cjs).
'use strict';
require('./load-cli.cjs')
  .loadCli()
  .exports.main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
