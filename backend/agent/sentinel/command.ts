// The command sentinel (Kured's --reboot-sentinel-command): run in the host's mount namespace
// through nsenter; exit 0 = reboot needed, 1 = not needed, anything else (or no exit at all) =
// unknown, reported as a warning. The nsenter prefix is configurable so tests run the command
// directly. A command cannot be watched: it is re-run every period, with jitter.

import type { Disposable, Random, SentinelResult } from '../ports.ts';
import { NSENTER_HOST, runCommand, type Exec } from '../../shared/command.ts';
import type { SentinelSource } from './file.ts';

export interface CommandSentinelOptions {
  command: string[];
  /** Prepended to the command; default nsenter into PID 1's mount namespace; [] = run as is. */
  prefix?: string[];
  periodMs?: number;
  timeoutMs?: number;
  random?: Random;
  exec?: Exec;
}

export class CommandSentinel implements SentinelSource {
  private readonly argv: string[];
  private readonly o: CommandSentinelOptions;
  private readonly exec: Exec;

  constructor(o: CommandSentinelOptions) {
    if (o.command.length === 0) throw new Error('reboot-sentinel-command is empty; give a command such as "test -f /var/run/reboot-required"');
    this.argv = [...(o.prefix ?? NSENTER_HOST), ...o.command];
    this.o = o;
    this.exec = o.exec ?? runCommand;
  }

  async check(): Promise<SentinelResult> {
    const r = await this.exec(this.argv, this.o.timeoutMs ?? 30_000);
    if (r.error) return { unknown: `sentinel command ${this.o.command.join(' ')}: ${r.error}` };
    if (r.code === 0) return { required: true };
    if (r.code === 1) return { required: false };
    const detail = r.stderr.trim().split('\n').pop()?.slice(0, 200);
    return { unknown: `sentinel command ${this.o.command.join(' ')} exited ${r.code ?? 'by signal'}${detail ? `: ${detail}` : ''}` };
  }

  watch(onChange: () => void): Disposable {
    const period = this.o.periodMs ?? 60_000;
    const random = this.o.random ?? Math.random;
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      timer = setTimeout(() => {
        onChange();
        tick();
      }, Math.max(50, Math.round(period * (0.9 + 0.2 * random()))));
      timer.unref();
    };
    tick();
    return { dispose: () => clearTimeout(timer) };
  }
}
