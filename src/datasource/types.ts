/**
 * Types of the entropy data source: the query users write, the settings of one data source instance, and the
 * defaults of both.
 */
import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import { BinningMode, EstimatorKind } from '../core';
import { EntropyOutput, EntropyUnit } from '../frames/entropyFrames';

export type { EntropyOutput, EntropyUnit };

/** Estimator settings a query can override and a data source instance can default. */
export interface EstimatorSettings {
  estimator?: EstimatorKind;
  window?: number;
  binning?: BinningMode;
  bins?: number;
  lo?: number;
  hi?: number;
  width?: number;
  order?: number;
  delay?: number;
  /** Label identifying the host. */
  hostLabel?: string;
}

/** `live`: follow the engine's stream of profiles instead of computing entropy from Prometheus. */
export type LiveOutput = 'live';

/** One query: a PromQL expression for the upstream Prometheus and what to compute from its series. */
export interface EntropyQuery extends DataQuery, EstimatorSettings, LiveQuerySettings {
  expr: string;
  /** Prometheus-style legend, `{{instance}} cpu`. */
  legendFormat?: string;
  output: EntropyOutput | LiveOutput;
  unit?: EntropyUnit;
  /** Lower bound of the query step, a Grafana interval (`30s`, `1m`). */
  minStep?: string;
  /** Indicator name for the aggregate and the panel (default: the refId). */
  indicator?: string;
  /** Weight in the host aggregate (default 1). */
  weight?: number;
  /** Baseline warm-up `L`, in evaluations (`baseline` and `quorum` outputs). */
  warmup?: number;
  /** `quorum` output: what this query is to the assessment (default `indicator`). */
  quorumRole?: 'checks' | 'indicator';
  /** `quorum` output: the label that tells observers apart (`prober`, `replica`). */
  observerLabel?: string;
  /** `quorum` output: assessment options (taken from the first quorum query that sets any). */
  quorum?: QuorumQueryOptions;
}

/** The quorum's assessment options as a query stores them (README, "The quorum output"). */
export interface QuorumQueryOptions {
  /** Observers that must agree (default: a majority of those seen within `knownFor`). */
  size?: number;
  /** Durations like `30s`, `5m`, `1h`. */
  staleness?: string;
  knownFor?: string;
  zQuorum?: number;
  entropyLevel?: number;
  for?: string;
  flagLevel?: number;
  flagFor?: string;
}

/** What a `live` query follows: hosts and indicators (comma-separated; blank means all) and rows kept. */
export interface LiveQuerySettings {
  liveHosts?: string;
  liveIndicators?: string;
  /** Rows kept per series (a bounded CircularDataFrame); default {@link DEFAULT_LIVE_CAPACITY}. */
  liveCapacity?: number;
}

export const DEFAULT_LIVE_CAPACITY = 1000;
export const MAX_LIVE_CAPACITY = 100_000;

/** Settings of a data source instance (all non-secret, in jsonData). */
export interface EntropyDataSourceOptions extends DataSourceJsonData, EstimatorSettings {
  /** UID of the upstream Prometheus data source. */
  upstreamUid?: string;
  /** Base URL of the Health Entropy engine (the `engine` proxy route's target), for live queries. */
  engineUrl?: string;
}

/** Secrets of a data source instance: only Grafana's proxy reads them (the `engine` route's header). */
export interface EntropySecureJsonData {
  /** Bearer token of the engine's `stream.bearerToken`. */
  engineToken?: string;
}

export const DEFAULT_HOST_LABEL = 'instance';

/** What a new query starts as; estimator settings come from the instance unless the query sets them. */
export const DEFAULT_QUERY: Partial<EntropyQuery> = {
  expr: '',
  output: 'entropy',
  unit: 'normalized',
};

export const OUTPUTS: ReadonlyArray<{ value: EntropyOutput; label: string; description: string }> = [
  { value: 'entropy', label: 'Entropy', description: 'A series of normalized entropy per input series' },
  { value: 'aggregate', label: 'Aggregate', description: 'A series per host over all queries marked Aggregate' },
  { value: 'baseline', label: 'Baseline', description: 'Entropy with its learned baseline band and z' },
  { value: 'raw+entropy', label: 'Raw + entropy', description: 'The input series and its entropy' },
  { value: 'quorum', label: 'Quorum', description: 'A state timeline per host over all queries marked Quorum' },
];

/** Output choices of the query editor: the computed ones, and following the engine live. */
export const EDITOR_OUTPUTS: ReadonlyArray<{ value: EntropyOutput | LiveOutput; label: string; description: string }> =
  [
    ...OUTPUTS,
    {
      value: 'live',
      label: 'Live',
      description: "The engine's profiles as they change (needs the engine URL in the data source settings)",
    },
  ];
