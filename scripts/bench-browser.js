#!/usr/bin/env node
// The browser benchmark on its own: `npm run build && node scripts/bench-browser.js [series] [points] [runs]`.
// Prints one JSON record (src/bench/browser.ts); needs Debian's chromium.
'use strict';
const path = require('path');
const { benchBrowserQuery } = require(path.join(__dirname, '..', 'lib', 'bench', 'browser.js'));

const [series = 1000, points = 1000, runs = 7] = process.argv.slice(2).map(Number);
benchBrowserQuery({ root: path.join(__dirname, '..'), series, points, runs }).then(
  (record) => console.log(JSON.stringify(record, null, 2)),
  (e) => {
    console.error(e);
    process.exit(1);
  }
);
