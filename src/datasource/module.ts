import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { EntropyDataSourceOptions, EntropyQuery } from './types';

export const plugin = new DataSourcePlugin<DataSource, EntropyQuery, EntropyDataSourceOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
