/*
 * Extends the scaffold's webpack config (.config/README.md): the nested data source and panel are built by
 * the scaffold's entry discovery (every src/** /plugin.json beside a module.ts); this adds their logos.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    // node_modules is shared between git worktrees here; a per-checkout cache keeps their builds apart.
    cache: { type: 'filesystem', cacheDirectory: path.resolve(process.cwd(), '.webpack-cache') },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [{ from: '{datasource,panel}/img/*', to: '.', noErrorOnMissing: true }],
      }),
    ],
  });
};

export default config;
