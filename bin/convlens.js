#!/usr/bin/env node
'use strict';
// The compiled command line (`npm run build` first). main() returns the exit status rather
// than calling process.exit, so that output written to a pipe is never cut short.
const { main } = require('../dist/language/cli/main.js');

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
