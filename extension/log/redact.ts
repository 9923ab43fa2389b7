// Credentials never reach the log, even when an error message quotes a header or a hello frame.

export function redact(msg: string): string {
  return msg
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1<redacted>')
    .replace(/("token"\s*:\s*")[^"]*"/g, '$1<redacted>"');
}
