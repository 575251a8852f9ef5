#!/usr/bin/env node
// Entry point of the `health-entropy` CLI; the code is compiled to lib/ by `npm run build:node`.
'use strict';
const path = require('path');
const fs = require('fs');
const main = path.join(__dirname, '..', 'lib', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('health-entropy: lib/ is missing; run `npm run build:node` (or `npm run build`) first\n');
  process.exit(1);
}
require(main)
  .main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
  .then((code) => {
    process.exitCode = code;
  });
