/** Parsing shared by the editors: a blank input means "use the default", anything else is kept for validation. */

/** `''` → undefined; otherwise the number (NaN for text, which validation then names). */
export function numberOrUndefined(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

/** `''` → undefined; otherwise the text. */
export function textOrUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

/** A number for an input's `value` (blank when unset). */
export function show(value: number | string | undefined): string {
  return value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? '' : String(value);
}
