/**
 * The browser harness from Node: build its page with webpack, serve it beside the built plugins (and a
 * proxy to a real Prometheus), and open it in headless Chromium. Shared by the browser tests and the
 * browser benchmark.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import webpack from 'webpack';

/** Where Chromium comes from (Debian's `chromium` package). */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Grafana serves an app's files here; the nested plugins are below. */
export const PLUGIN_BASE = '/public/plugins/healthentropy-app';
/** Grafana's data source proxy path for the upstream Prometheus (uid `prom`). */
export const PROXY_BASE = '/api/datasources/proxy/uid/prom';

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Health Entropy harness</title>
<link rel="icon" href="data:,">
<script>
  // What Grafana's index.html hands @grafana/runtime's config at boot (the harness needs none of it).
  window.grafanaBootData = { settings: {}, user: { timezone: 'utc', theme: 'light' }, navTree: [] };
</script></head>
<body style="margin:0"><div id="root"></div><script src="/harness.js"></script></body></html>`;

/** Builds `src/harness/index.tsx` (with React and `@grafana/*` bundled, as Grafana itself provides them). */
export async function buildHarness(root: string, outDir: string): Promise<void> {
  const compiler = webpack({
    mode: 'production',
    context: root,
    entry: join(root, 'src/harness/index.tsx'),
    output: { path: outDir, filename: 'harness.js' },
    devtool: false,
    optimization: { minimize: false },
    performance: { hints: false },
    cache: { type: 'filesystem', cacheDirectory: join(root, '.webpack-cache', 'harness') },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: { loader: 'swc-loader', options: { jsc: { target: 'es2020', parser: { syntax: 'typescript', tsx: true } } } },
        },
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(woff2?|ttf|eot|svg|png)$/, type: 'asset/resource' },
      ],
    },
    resolve: { extensions: ['.tsx', '.ts', '.mjs', '.js'], modules: [join(root, 'src'), 'node_modules'] },
  });
  await new Promise<void>((ok, fail) =>
    compiler.run((err, stats) => {
      compiler.close(() => undefined);
      if (err || !stats || stats.hasErrors()) {
        fail(err ?? new Error(stats?.toString({ all: false, errors: true }) ?? 'harness build failed'));
      } else {
        ok();
      }
    })
  );
  writeFileSync(join(outDir, 'index.html'), HTML);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.css': 'text/css',
};

function sendFile(res: ServerResponse, base: string, rel: string): void {
  const root = resolve(base);
  const file = normalize(join(root, rel));
  // No path escapes the served directory (`..` in the URL).
  if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

/** Forwards to Prometheus as Grafana's data source proxy does; a closed client aborts the upstream call. */
async function proxy(req: IncomingMessage, res: ServerResponse, prometheusUrl: string, rest: string): Promise<void> {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  try {
    const upstream = await fetch(`${prometheusUrl}${rest}`, { method: req.method, signal: controller.signal });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  } catch (e) {
    if (!res.headersSent && !controller.signal.aborted) {
      res.writeHead(502).end(JSON.stringify({ status: 'error', error: `proxy: ${(e as Error).message}` }));
    }
  }
}

/** A running harness server. */
export interface HarnessServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the harness page, `dist/` under Grafana's plugin path, `@grafana/ui`'s icons where Grafana serves
 * them, and the Prometheus proxy (when given).
 */
export async function serveHarness(harnessDir: string, distDir: string, prometheusUrl?: string): Promise<HarnessServer> {
  const uiPublic = join(distDir, '..', 'node_modules', '@grafana', 'ui', 'dist', 'public');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://harness');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      sendFile(res, harnessDir, 'index.html');
    } else if (url.pathname === '/harness.js') {
      sendFile(res, harnessDir, 'harness.js');
    } else if (url.pathname.startsWith(`${PLUGIN_BASE}/`)) {
      sendFile(res, distDir, url.pathname.slice(PLUGIN_BASE.length + 1));
    } else if (url.pathname.startsWith('/public/build/img/')) {
      sendFile(res, uiPublic, url.pathname.slice('/public/build/'.length));
    } else if (prometheusUrl && url.pathname.startsWith(`${PROXY_BASE}/`)) {
      void proxy(req, res, prometheusUrl, `${url.pathname.slice(PROXY_BASE.length)}${url.search}`);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Headless Chromium with a fresh profile; `close` stops it and removes the profile. */
export interface HarnessBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HarnessBrowser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'he-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 640 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A fresh temporary directory for a harness build. */
export function harnessOutDir(): string {
  return mkdtempSync(join(tmpdir(), 'he-harness-'));
}
