/** Prometheus-shaped frames for tests: one frame per series, `Time` and `Value` with labels. */
import { createDataFrame, DataFrame, FieldType, Labels } from '@grafana/data';

export function promFrame(refId: string, labels: Labels, times: ArrayLike<number>, values: ArrayLike<number>): DataFrame {
  return createDataFrame({
    refId,
    name: labels.__name__,
    fields: [
      { name: 'Time', type: FieldType.time, values: Array.from(times), config: {} },
      { name: 'Value', type: FieldType.number, values: Array.from(values), labels, config: { unit: 'percentunit' } },
    ],
  });
}
