import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import {
  colorManipulator,
  DataLink,
  dateTimeFormat,
  FieldConfig,
  FieldType,
  formattedValueToString,
  getDisplayProcessor,
  GrafanaTheme2,
  PanelProps,
  ScopedVars,
} from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';
import { Tooltip, useStyles2, useTheme2 } from '@grafana/ui';
import { testIds } from '../../components/testIds';
import { buildGrid, cellKey, computeEntropyFrames, Grid, GridCell } from '../grid';
import { EntropyPanelOptions } from '../types';

type Props = PanelProps<EntropyPanelOptions>;

/** The grid, or the reason there is none (bad compute options). */
function useGrid(props: Props): { grid: Grid; error?: string } {
  const { data, options } = props;
  return useMemo(() => {
    try {
      const frames = options.mode === 'compute' ? computeEntropyFrames(data.series, options) : data.series;
      return { grid: buildGrid(frames, options) };
    } catch (e) {
      return { grid: { hosts: [], indicators: [], cells: new Map() }, error: e instanceof Error ? e.message : String(e) };
    }
  }, [data.series, options]);
}

/**
 * Black or white, whichever reads better on `background` (at least 4.5:1 for any colour). Grafana's
 * getContrastText uses a lower threshold, which leaves white on the scheme's oranges at about 3.4:1.
 */
function readableText(background: string): string {
  const dark = '#000000';
  const light = '#ffffff';
  return colorManipulator.getContrastRatio(dark, background) >= colorManipulator.getContrastRatio(light, background) ? dark : light;
}

const fmt = (v: number | undefined, digits = 3) => (v === undefined ? '—' : v.toFixed(digits));

function CellTooltip({ cell, timeZone }: { cell: GridCell; timeZone: string }) {
  return (
    <div>
      <div>
        <strong>{cell.host}</strong> · {cell.indicator}
      </div>
      <div>entropy Hn: {fmt(cell.entropy)}</div>
      <div>baseline: {fmt(cell.baseline)}</div>
      <div>z: {fmt(cell.z, 2)}</div>
      <div>window: {cell.window ?? '—'} samples</div>
      {cell.time !== undefined && <div>at {dateTimeFormat(cell.time, { timeZone })}</div>}
    </div>
  );
}

/** Grafana's data link variables for a cell: `${__field.labels.instance}`, `${host}`, `${indicator}`. */
function cellVars(cell: GridCell): ScopedVars {
  return {
    __field: { text: cell.fieldName, value: { name: cell.fieldName, labels: cell.labels } },
    host: { text: cell.host, value: cell.host },
    indicator: { text: cell.indicator, value: cell.indicator },
  };
}

/** "Entropy health": hosts × indicators, coloured by normalized entropy or z through the field config. */
export function EntropyPanel(props: Props) {
  const { options, fieldConfig, width, height, data, id, replaceVariables, timeZone } = props;
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const { grid, error } = useGrid(props);
  const display = useMemo(() => {
    const byZ = options.colorBy === 'z';
    const config: FieldConfig = {
      ...fieldConfig.defaults,
      min: fieldConfig.defaults.min ?? (byZ ? -4 : 0),
      max: fieldConfig.defaults.max ?? (byZ ? 4 : 1),
    };
    return getDisplayProcessor({ field: { type: FieldType.number, config }, theme });
  }, [fieldConfig.defaults, options.colorBy, theme]);

  if (grid.cells.size === 0) {
    return <PanelDataErrorView panelId={id} fieldConfig={fieldConfig} data={data} message={error} needsNumberField needsTimeField />;
  }
  const links: DataLink[] = fieldConfig.defaults.links ?? [];
  const columns = `max-content repeat(${grid.indicators.length}, minmax(48px, 1fr))`;
  return (
    <div className={styles.wrapper} style={{ width, height }} data-testid={testIds.panel.grid}>
      <div className={styles.grid} style={{ gridTemplateColumns: columns }}>
        <div />
        {grid.indicators.map((indicator) => (
          <div key={indicator} className={styles.header} data-testid={testIds.panel.indicatorHeader}>
            {indicator}
          </div>
        ))}
        {grid.hosts.map((host) => (
          <React.Fragment key={host}>
            <div className={styles.host} data-testid={testIds.panel.hostHeader}>
              {host}
            </div>
            {grid.indicators.map((indicator) => {
              const cell = grid.cells.get(cellKey(host, indicator));
              if (!cell) {
                return <div key={indicator} className={styles.empty} />;
              }
              const value = options.colorBy === 'z' ? cell.z : cell.entropy;
              const shown = value === undefined ? undefined : display(value);
              const background = shown?.color ?? theme.colors.background.secondary;
              const body = (
                <div
                  className={styles.cell}
                  style={{ background, color: readableText(theme.visualization.getColorByName(background)) }}
                  data-testid={testIds.panel.cell}
                  data-host={host}
                  data-indicator={indicator}
                  data-entropy={cell.entropy ?? ''}
                  data-z={cell.z ?? ''}
                  aria-label={`${host} ${indicator}: entropy ${fmt(cell.entropy)}, z ${fmt(cell.z, 2)}`}
                >
                  {options.showValues && (shown ? formattedValueToString(shown) : '—')}
                </div>
              );
              const link = links[0];
              return (
                <Tooltip key={indicator} content={<CellTooltip cell={cell} timeZone={timeZone} />}>
                  {link ? (
                    <a className={styles.link} href={replaceVariables(link.url, cellVars(cell))} target={link.targetBlank ? '_blank' : undefined} rel="noreferrer">
                      {body}
                    </a>
                  ) : (
                    body
                  )}
                </Tooltip>
              );
            })}
          </React.Fragment>
        ))}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ overflow: 'auto', fontSize: theme.typography.bodySmall.fontSize }),
  grid: css({ display: 'grid', gap: theme.spacing(0.5), alignItems: 'stretch' }),
  header: css({ color: theme.colors.text.secondary, textAlign: 'center', whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }),
  host: css({ color: theme.colors.text.primary, paddingRight: theme.spacing(1), whiteSpace: 'nowrap', alignSelf: 'center' }),
  cell: css({
    minHeight: theme.spacing(4),
    height: '100%',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    borderRadius: theme.shape.radius.default,
    fontVariantNumeric: 'tabular-nums',
  }),
  empty: css({ border: `1px dashed ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default }),
  link: css({ display: 'block', height: '100%', '&:hover': { outline: `2px solid ${theme.colors.primary.border}` } }),
});
