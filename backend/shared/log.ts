// JSON logs, one object per line (stdout; stderr for errors), shared by the agent and the hub.
// Callers never pass secrets (tokens, webhook URLs with keys) as fields.

/** What the agent's and the hub's code logs through. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface JsonLogger extends Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields` (e.g. the node name). */
  with(fields: Record<string, unknown>): JsonLogger;
}

export type LogWrite = (line: string, err: boolean) => void;

export function jsonLogger(component: string, level: LogLevel = 'info', write: LogWrite = defaultWrite, base: Record<string, unknown> = {}): JsonLogger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < RANK[level]) return;
    const rec = { time: new Date().toISOString(), level: lvl, component, msg, ...base, ...fields };
    let line: string;
    try {
      line = JSON.stringify(rec, (_k, v: unknown) => (v instanceof Error ? v.message : typeof v === 'bigint' ? String(v) : v));
    } catch {
      // A cyclic field must not lose the message itself.
      line = JSON.stringify({ time: rec.time, level: lvl, component, msg, fields: '(unserialisable)' });
    }
    write(line, lvl === 'error');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    with: (f) => jsonLogger(component, level, write, { ...base, ...f }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: JsonLogger = jsonLogger('silent', 'error', () => {});

export function parseLogLevel(s: string): LogLevel | undefined {
  return s in RANK ? (s as LogLevel) : undefined;
}

function defaultWrite(line: string, err: boolean): void {
  (err ? process.stderr : process.stdout).write(line + '\n');
}

/** The message of an unknown thrown value, for logs and reasons. */
export function errMsg(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}
