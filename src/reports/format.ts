/** Number and time formats shared by the reports, so tables and charts print alike. */

export function fixed(value: number | null | undefined, digits = 4): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–';
}

export function percent(value: number | null | undefined, digits = 1): string {
  return typeof value === 'number' && Number.isFinite(value)
    ? `${(value * 100).toFixed(digits)}%`
    : '–';
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** An ISO time without milliseconds and with a space, which reads better in a table. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
