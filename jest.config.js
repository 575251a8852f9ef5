// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

// Pure TypeScript (math, engine, CLI) runs in node; plugin components in jsdom.
const NODE_DIRS = ['core', 'engine', 'cli', 'bench', 'eval', 'demo'];

// Node code is compiled for the Node it runs on (the scaffold's default target is slower for hot loops).
const [pattern, [swc, swcOptions]] = Object.entries(base.transform)[0];
const nodeTransform = { [pattern]: [swc, { ...swcOptions, jsc: { ...swcOptions.jsc, target: 'es2022' } }] };
// fastify.inject (light-my-request) requires `cookie` 2, which ships only as an ES module: Node 20 loads it
// natively, Jest needs it transformed.
const nodeTransformIgnore = [nodeModulesToTransform([...grafanaESModules, 'cookie'])];
// Grafana 13's dependencies ship some ES modules only as `.mjs` (d3-color), which the scaffold's pattern misses.
const browserTransform = { ...base.transform, '^.+\\.mjs$': [swc, swcOptions] };

module.exports = {
  projects: [
    {
      ...base,
      rootDir: __dirname,
      displayName: 'node',
      testEnvironment: 'node',
      transform: nodeTransform,
      transformIgnorePatterns: nodeTransformIgnore,
      setupFilesAfterEnv: [],
      testMatch: NODE_DIRS.map((d) => `<rootDir>/src/${d}/**/*.test.ts`),
    },
    {
      // Integration and browser tests that start real processes (Prometheus, the engine, Chromium).
      ...base,
      rootDir: __dirname,
      displayName: 'integration',
      testEnvironment: 'node',
      transform: nodeTransform,
      transformIgnorePatterns: nodeTransformIgnore,
      setupFilesAfterEnv: ['<rootDir>/tests/helpers/jest-timeout.js'],
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
    },
    {
      ...base,
      rootDir: __dirname,
      displayName: 'browser',
      transform: browserTransform,
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/', ...NODE_DIRS.map((d) => `<rootDir>/src/${d}/`)],
    },
  ],
};
