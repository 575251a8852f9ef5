#!/usr/bin/env node
// Checks that `npm run build` produced what Grafana loads, and that React and @grafana/* stayed external.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const problems = [];
const need = (file) => {
  if (!fs.existsSync(path.join(dist, file))) {
    problems.push(`dist/${file} is missing`);
  }
};
['plugin.json', 'module.js', 'module.js.map', 'img/logo.svg', 'README.md'].forEach(need);

const pluginJson = JSON.parse(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
if (pluginJson.id !== 'healthentropy-app' || pluginJson.type !== 'app') {
  problems.push(`dist/plugin.json must be the app healthentropy-app, got ${pluginJson.type} ${pluginJson.id}`);
}
if (/%VERSION%|%TODAY%/.test(JSON.stringify(pluginJson.info))) {
  problems.push('dist/plugin.json still has %VERSION% or %TODAY% placeholders');
}
for (const include of pluginJson.includes || []) {
  if (include.type === 'datasource' || include.type === 'panel') {
    need(path.join(include.path || '', 'module.js'));
  }
}

// The nested plugins Grafana discovers beside the app: each its own plugin.json, module.js, map and logo.
const nested = [
  ['datasource', 'datasource', 'healthentropy-entropy-datasource'],
  ['panel', 'panel', 'healthentropy-entropy-panel'],
];
for (const [dir, type, id] of nested) {
  ['plugin.json', 'module.js', 'module.js.map', 'img/logo.svg'].forEach((f) => need(path.join(dir, f)));
  if (!(pluginJson.includes || []).some((i) => i.type === type)) {
    problems.push(`dist/plugin.json does not list the nested ${type} in includes`);
  }
  const file = path.join(dist, dir, 'plugin.json');
  if (fs.existsSync(file)) {
    const nestedJson = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (nestedJson.id !== id || nestedJson.type !== type) {
      problems.push(`dist/${dir}/plugin.json must be the ${type} ${id}, got ${nestedJson.type} ${nestedJson.id}`);
    }
    if (/%VERSION%|%TODAY%/.test(JSON.stringify(nestedJson.info))) {
      problems.push(`dist/${dir}/plugin.json still has %VERSION% or %TODAY% placeholders`);
    }
  }
  const module = path.join(dist, dir, 'module.js');
  if (fs.existsSync(module)) {
    const text = fs.readFileSync(module, 'utf8');
    // Grafana loads plugins as AMD modules whose dependencies it provides itself.
    for (const dep of ['@grafana/data', '@grafana/ui', 'react']) {
      if (text.includes(`"${dep}"`) === false && text.includes(`'${dep}'`) === false) {
        problems.push(`dist/${dir}/module.js does not import ${dep} as an external AMD dependency`);
      }
    }
  }
}

// Bundled React or Grafana code would clash with Grafana's own copies at runtime.
const markers = [
  ['React', /react\.production\.min\.js|__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED/],
  ['react-dom', /react-dom\.production/],
  ['@grafana/ui', /grafana-ui\/dist|@grafana\/ui\/dist/],
  ['@grafana/data', /grafana-data\/dist|@grafana\/data\/dist/],
  ['@grafana/runtime', /grafana-runtime\/dist|@grafana\/runtime\/dist/],
  ['rxjs', /rxjs\/dist|Subscriber\.prototype\._next|Object unsubscribed/],
];
const walk = (dir) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
for (const file of walk(dist).filter((f) => f.endsWith('.js'))) {
  const text = fs.readFileSync(file, 'utf8');
  for (const [name, re] of markers) {
    if (re.test(text)) {
      problems.push(`${path.relative(dist, file)} bundles ${name}; it must stay external`);
    }
  }
}

if (problems.length) {
  console.error(problems.map((p) => `check-dist: ${p}`).join('\n'));
  process.exit(1);
}
console.log(`check-dist: dist/ is a loadable app plugin with dist/datasource and dist/panel; React, rxjs and @grafana/* are external`);
