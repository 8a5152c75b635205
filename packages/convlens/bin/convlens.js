#!/usr/bin/env node
'use strict';
// The `convlens` command (cli/ in the repository). main() returns the exit status rather
// than calling process.exit, so that output written to a pipe is never cut short.
const { main } = require('../dist/cli/main.js');

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
