/**
 * Stand-in for Grafana's BackendSrv: real HTTP through the browser's fetch, cancelled (AbortController) when
 * the Observable is unsubscribed, as Grafana's is. The harness server plays Grafana's data source proxy.
 */
import { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { lastValueFrom, Observable } from 'rxjs';

/** Every request made, for tests to read back (URL and whether it was aborted). */
export const requestLog: Array<{ url: string; aborted: boolean }> = [];
/** Called as each request goes on the wire. */
export const requestListeners = new Set<() => void>();

function withParams(url: string, params?: Record<string, unknown>): string {
  if (!params) {
    return url;
  }
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) {
      search.append(k, String(v));
    }
  }
  const q = search.toString();
  return q ? `${url}${url.includes('?') ? '&' : '?'}${q}` : url;
}

export class FetchBackendSrv implements BackendSrv {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      const url = withParams(options.url, options.params);
      const entry = { url, aborted: false };
      requestLog.push(entry);
      let settled = false;
      requestListeners.forEach((listener) => listener());
      const body = options.data === undefined ? undefined : typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
      fetch(url, { method: options.method ?? 'GET', headers: options.headers, body, signal: controller.signal })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          const response = { data: data as T, status: res.status, statusText: res.statusText, ok: res.ok, headers: res.headers, redirected: res.redirected, type: res.type, url: res.url, config: options };
          settled = true;
          if (!res.ok) {
            const error: FetchError = { status: res.status, statusText: res.statusText, data, config: options };
            subscriber.error(error);
            return;
          }
          subscriber.next(response);
          subscriber.complete();
        })
        .catch((e) => {
          settled = true;
          subscriber.error(e);
        });
      return () => {
        if (!settled) {
          entry.aborted = true;
          controller.abort();
        }
      };
    });
  }

  private async call<T>(method: string, url: string, data?: unknown, params?: unknown): Promise<T> {
    const res = await lastValueFrom(this.fetch<T>({ method, url, data, params: params as Record<string, unknown> }));
    return res.data;
  }

  get<T>(url: string, params?: unknown): Promise<T> {
    return this.call<T>('GET', url, undefined, params);
  }
  delete<T>(url: string, data?: unknown): Promise<T> {
    return this.call<T>('DELETE', url, data);
  }
  post<T>(url: string, data?: unknown): Promise<T> {
    return this.call<T>('POST', url, data);
  }
  patch<T>(url: string, data?: unknown): Promise<T> {
    return this.call<T>('PATCH', url, data);
  }
  put<T>(url: string, data?: unknown): Promise<T> {
    return this.call<T>('PUT', url, data);
  }
  request<T>(options: BackendSrvRequest): Promise<T> {
    return lastValueFrom(this.fetch<T>(options)).then((r) => r.data);
  }
  datasourceRequest<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }
  chunked(): Observable<FetchResponse<Uint8Array | undefined>> {
    throw new Error('chunked requests are not part of the harness');
  }
}
