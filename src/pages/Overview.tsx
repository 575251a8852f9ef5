import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';
import { testIds } from '../components/testIds';

/** Landing page of the app: what Health Entropy computes and where to go next. */
function Overview() {
  const s = useStyles2(getStyles);
  return (
    <PluginPage>
      <div data-testid={testIds.overview.container} className={s.page}>
        <p>
          Health Entropy computes the rolling Shannon and permutation entropy of the health indicators you already keep
          in Prometheus (CPU, memory, disk I/O, latency), learns each host&apos;s normal entropy and warns when it rises
          or collapses — before ordinary threshold alerts fire.
        </p>
        <p>
          Entropy near 0 means a flat, predictable signal (or a pegged one); near 1, values spread over every bin or
          dynamics without pattern.
        </p>
        <p>
          Configure the engine&apos;s address under <em>Configuration</em>; the README shipped with the plugin explains
          the quick start.
        </p>
      </div>
    </PluginPage>
  );
}

export default Overview;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css`
    max-width: 80ch;
    p {
      margin-bottom: ${theme.spacing(2)};
    }
  `,
});
