/** Free text that may span lines: no control characters but CR, LF and tab. */
export const MULTILINE_TEXT = /^(?:[^\p{Cc}]|[\t\n\r])*$/u;

export const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
