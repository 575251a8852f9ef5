/**
 * Stand-ins for the Grafana services a plugin reaches through `@grafana/runtime` (template variables and the
 * data source registry), for Jest and the browser harness where no Grafana runs. They implement the public
 * interfaces, nothing more.
 */
import { DataSourceApi, DataSourceInstanceSettings, DataSourceJsonData, ScopedVars, TimeRange, TypedVariableModel } from '@grafana/data';
import { DataSourceSrv, GetDataSourceListFilters, TemplateSrv } from '@grafana/runtime';
import { DataSourceRef } from '@grafana/schema';

type Format = string | ((value: unknown, variable?: unknown) => string) | undefined;

/** Dashboard variables by name; a list is a multi-value selection. */
export class StandInTemplateSrv implements TemplateSrv {
  constructor(public variables: Record<string, string | string[]> = {}) {}

  getVariables(): TypedVariableModel[] {
    return [];
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: Format): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(/\$(\w+)|\$\{(\w+)\}/g, (match, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b)!;
      const scoped = scopedVars?.[name];
      const value = scoped ? scoped.value : this.variables[name];
      if (value === undefined) {
        return match;
      }
      if (typeof format === 'function') {
        return format(value, { name });
      }
      return Array.isArray(value) ? `{${value.join(',')}}` : String(value);
    });
  }

  containsTemplate(target?: string): boolean {
    return !!target && /\$(\w+)|\$\{(\w+)\}/.test(target);
  }

  updateTimeRange(_timeRange: TimeRange): void {}
}

/** The data source registry: instances by UID. */
export class StandInDataSourceSrv implements DataSourceSrv {
  private readonly byUid = new Map<string, DataSourceApi>();
  private readonly settings = new Map<string, DataSourceInstanceSettings>();

  /** Registers an instance with the settings it was constructed from. */
  add(ds: { uid: string; name: string }, settings: DataSourceInstanceSettings): this {
    // Any DataSourceApi<Q> (query types are invariant in TypeScript's eyes, not at runtime).
    this.byUid.set(ds.uid, ds as DataSourceApi);
    this.settings.set(ds.uid, settings);
    return this;
  }

  async get(ref?: DataSourceRef | string | null): Promise<DataSourceApi> {
    const uid = typeof ref === 'string' ? ref : ref?.uid;
    const ds = uid ? (this.byUid.get(uid) ?? [...this.byUid.values()].find((d) => d.name === uid)) : undefined;
    if (!ds) {
      throw new Error(`Data source ${uid} was not found`);
    }
    return ds;
  }

  getList(filters: GetDataSourceListFilters = {}): DataSourceInstanceSettings[] {
    const types = filters.type === undefined ? undefined : ([] as string[]).concat(filters.type);
    return [...this.settings.values()]
      .filter((s) => !types || types.includes(s.type))
      .filter((s) => !filters.filter || filters.filter(s));
  }

  getInstanceSettings(ref?: DataSourceRef | string | null): DataSourceInstanceSettings | undefined {
    const uid = typeof ref === 'string' ? ref : ref?.uid;
    return uid ? this.settings.get(uid) : undefined;
  }

  async reload(): Promise<void> {}

  registerRuntimeDataSource(): void {}
}

/** Instance settings the way Grafana hands them to a data source constructor. */
export function instanceSettings<T extends DataSourceJsonData>(uid: string, type: string, name: string, jsonData: T): DataSourceInstanceSettings<T> {
  return {
    id: 1,
    uid,
    type,
    name,
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: {
      id: type,
      name: type,
      type: 'datasource',
      info: { author: { name: '' }, description: '', links: [], logos: { small: '', large: '' }, screenshots: [], updated: '', version: '' },
      module: '',
      baseUrl: '',
    },
  } as unknown as DataSourceInstanceSettings<T>;
}
