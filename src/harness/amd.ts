/**
 * Loads a built plugin `module.js` (an AMD module, as webpack emits it for Grafana) the way Grafana's
 * SystemJS loader does: its `define([...deps])` dependencies are served from the page's own React, rxjs and
 * `@grafana/*` packages, so the plugin runs against exactly one copy of each, as inside Grafana.
 */
type Factory = (...deps: unknown[]) => unknown;
type Define = ((deps: string[], factory: Factory) => void) & { amd?: boolean };

/** Loads one module after another (a global `define` cannot tell concurrent scripts apart). */
let queue: Promise<unknown> = Promise.resolve();

export function loadAmdModule<T>(url: string, shared: Record<string, unknown>): Promise<T> {
  const next = queue.then(
    () =>
      new Promise<T>((resolve, reject) => {
        const define: Define = (deps, factory) => {
          try {
            const args = deps.map((dep) => {
              if (dep === 'module') {
                return { uri: url };
              }
              if (!(dep in shared)) {
                throw new Error(`${url} needs ${dep}, which the harness does not provide`);
              }
              return shared[dep];
            });
            resolve(factory(...args) as T);
          } catch (e) {
            reject(e);
          }
        };
        define.amd = true;
        (window as unknown as { define?: Define }).define = define;
        const script = document.createElement('script');
        script.src = url;
        script.onerror = () => reject(new Error(`could not load ${url}`));
        document.head.append(script);
      })
  );
  queue = next.catch(() => undefined);
  return next;
}
