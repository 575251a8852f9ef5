/**
 * The harness's stand-in for Grafana's data source proxy *routes*: the `routes` of a built plugin.json
 * (e.g. the entropy data source's `engine`) are forwarded the way Grafana forwards them, with `{{ .JsonData.x }}`
 * and `{{ .SecureJsonData.x }}` filled in from the instance's settings, and the answer streamed back as it
 * arrives (Server-Sent Events must not be buffered). A closed client aborts the upstream request.
 */
import { readFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** One route as plugin.json declares it. */
interface PluginRoute {
  path: string;
  url: string;
  headers?: Array<{ name: string; content: string }>;
}

/** One data source instance whose plugin routes the harness serves. */
export interface RouteInstance {
  /** The instance's uid: requests arrive at `/api/datasources/proxy/uid/<uid>/<route path>/…`. */
  uid: string;
  /** The built plugin.json that declares the routes. */
  pluginJson: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

/** `{{ .JsonData.engineUrl }}` → the value (missing values become empty, as Grafana renders them). */
export function renderTemplate(template: string, instance: RouteInstance): string {
  return template.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_m, where: string, key: string) =>
    String((where === 'JsonData' ? instance.jsonData[key] : instance.secureJsonData[key]) ?? '')
  );
}

/** A request handler for the instances' routes; returns false when a path is not one of them. */
export function routeProxy(
  instances: RouteInstance[]
): (req: IncomingMessage, res: ServerResponse, path: string, search: string) => boolean {
  const table = instances.flatMap((instance) => {
    const routes = (JSON.parse(readFileSync(instance.pluginJson, 'utf8')) as { routes?: PluginRoute[] }).routes ?? [];
    return routes.map((route) => ({
      prefix: `/api/datasources/proxy/uid/${instance.uid}/${route.path}`,
      route,
      instance,
    }));
  });
  return (req, res, path, search) => {
    const hit = table.find((t) => path === t.prefix || path.startsWith(`${t.prefix}/`));
    if (!hit) {
      return false;
    }
    const target = `${renderTemplate(hit.route.url, hit.instance).replace(/\/+$/, '')}${path.slice(hit.prefix.length)}${search}`;
    const headers: Record<string, string> = {};
    for (const h of hit.route.headers ?? []) {
      headers[h.name] = renderTemplate(h.content, hit.instance);
    }
    const accept = req.headers.accept;
    if (accept) {
      headers.accept = accept;
    }
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    void (async () => {
      try {
        const upstream = await fetch(target, { method: req.method, headers, signal: controller.signal });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
          'cache-control': 'no-cache',
        });
        if (upstream.body) {
          Readable.fromWeb(upstream.body as Parameters<typeof Readable.fromWeb>[0])
            .on('error', () => res.destroy())
            .pipe(res);
        } else {
          res.end();
        }
      } catch (e) {
        if (!res.headersSent && !controller.signal.aborted) {
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: `proxy: ${(e as Error).message}` }));
        }
      }
    })();
    return true;
  };
}
