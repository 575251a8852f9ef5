/** Test ids, in one place, shared by Jest and browser tests. */
export const testIds = {
  appConfig: {
    engineUrl: 'data-testid ac-engine-url',
    engineToken: 'data-testid ac-engine-token',
    urlError: 'data-testid ac-engine-url-error',
    submit: 'data-testid ac-submit-form',
  },
  overview: {
    container: 'data-testid overview-container',
  },
};
