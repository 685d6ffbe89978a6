/**
 * How user-supplied values appear in messages: JSON-quoted, with every
 * character outside printable ASCII escaped (so whitespace, zero-width and
 * look-alike characters show), and cut short if very long.
 */
export function quote(value: unknown, maxLength = 80): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > maxLength ? `${text.slice(0, maxLength)}...` : text;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
