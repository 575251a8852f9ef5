/** Checks the engine URL a user typed; returns a sentence saying what is wrong, or undefined. */
export function engineUrlError(value: string): string | undefined {
  if (value === '') {
    return undefined; // optional: the app works without an engine
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `Engine URL must be an absolute http(s) URL, e.g. http://health-entropy:9464, got "${value.slice(0, 80)}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `Engine URL must use http or https, got ${url.protocol.replace(':', '')}`;
  }
  if (url.username || url.password) {
    return 'Engine URL must not contain credentials; put the token in "Engine token"';
  }
  return undefined;
}
