import React, { ChangeEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';
import { engineUrlError } from './validate';

/** Non-secret app settings (`jsonData`). */
export type AppPluginSettings = {
  /** Base URL of the Health Entropy engine, e.g. `http://health-entropy:9464`. */
  engineUrl?: string;
};

type State = {
  engineUrl: string;
  /** The token is write-only: Grafana only tells whether it is set. */
  isTokenSet: boolean;
  engineToken: string;
};

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppPluginSettings>> {}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [state, setState] = useState<State>({
    engineUrl: jsonData?.engineUrl || '',
    engineToken: '',
    isTokenSet: Boolean(secureJsonFields?.engineToken),
  });
  const urlError = engineUrlError(state.engineUrl);

  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    setState({ ...state, [event.currentTarget.name]: event.currentTarget.value.trim() });
  };

  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    if (urlError) {
      return;
    }
    updatePluginAndReload(plugin.meta.id, {
      enabled,
      pinned,
      jsonData: { ...jsonData, engineUrl: state.engineUrl },
      // Sent only when typed: leaving it untouched keeps the stored secret.
      secureJsonData: state.engineToken ? { engineToken: state.engineToken } : undefined,
    });
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="Engine">
        <Field
          label="Engine URL"
          description="Where the health-entropy engine listens (optional; the data source works without it)"
          invalid={Boolean(urlError)}
          error={urlError}
        >
          <Input
            width={60}
            name="engineUrl"
            id="config-engine-url"
            data-testid={testIds.appConfig.engineUrl}
            value={state.engineUrl}
            placeholder="http://health-entropy:9464"
            onChange={onChange}
          />
        </Field>
        <Field label="Engine token" description="Bearer token the engine expects, if it has auth configured">
          <SecretInput
            width={60}
            id="config-engine-token"
            data-testid={testIds.appConfig.engineToken}
            name="engineToken"
            value={state.engineToken}
            isConfigured={state.isTokenSet}
            placeholder="token"
            onChange={onChange}
            onReset={() => setState({ ...state, engineToken: '', isTokenSet: false })}
          />
        </Field>
        <div className={s.marginTop}>
          <Button type="submit" data-testid={testIds.appConfig.submit} disabled={Boolean(urlError)}>
            Save engine settings
          </Button>
        </div>
      </FieldSet>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  marginTop: css`
    margin-top: ${theme.spacing(3)};
  `,
});

const updatePluginAndReload = async (pluginId: string, data: Partial<PluginMeta<AppPluginSettings>>) => {
  try {
    await lastValueFrom(getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data }));
    // Grafana has no supported way to refresh a plugin's settings in place.
    window.location.reload();
  } catch (e) {
    console.error('Health Entropy: saving the app settings failed', e);
  }
};
