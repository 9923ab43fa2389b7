// The two ways Kured reboots a node, behind one small interface: a command run in the host's
// mount namespace (nsenter, default `systemctl reboot`), or a signal to PID 1 (hostPID; default
// 39 = SIGRTMIN+5, which systemd takes as "reboot"). The executor and kill are injectable so tests
// observe exactly what would run without rebooting the machine.

import { NSENTER_HOST, runCommand, type Exec } from '../../shared/command.ts';

export interface Rebooter {
  /** Issues the reboot; resolves once issued (the process may die any moment after). */
  reboot(): Promise<void>;
  describe(): string;
}

export interface CommandRebootOptions {
  command?: string[];
  /** Default nsenter into PID 1's mount namespace; [] runs the command as is. */
  prefix?: string[];
  timeoutMs?: number;
  exec?: Exec;
}

export const DEFAULT_REBOOT_COMMAND = ['/bin/systemctl', 'reboot'];

export class CommandReboot implements Rebooter {
  private readonly argv: string[];
  private readonly exec: Exec;
  private readonly timeoutMs: number;

  constructor(o: CommandRebootOptions = {}) {
    const cmd = o.command ?? DEFAULT_REBOOT_COMMAND;
    if (cmd.length === 0) throw new Error('reboot-command is empty; give a command such as "/bin/systemctl reboot"');
    this.argv = [...(o.prefix ?? NSENTER_HOST), ...cmd];
    this.exec = o.exec ?? runCommand;
    this.timeoutMs = o.timeoutMs ?? 60_000;
  }

  async reboot(): Promise<void> {
    const r = await this.exec(this.argv, this.timeoutMs);
    // A reboot command that was killed by the shutdown itself counts as issued.
    if (r.error && r.code === null && !/timed out/.test(r.error)) throw new Error(`reboot command ${this.argv.join(' ')} failed: ${r.error}`);
    if (r.code !== null && r.code !== 0) throw new Error(`reboot command ${this.argv.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
    if (r.error) throw new Error(`reboot command ${this.argv.join(' ')}: ${r.error}`);
  }

  describe(): string {
    return `command: ${this.argv.join(' ')}`;
  }
}

export type Kill = (pid: number, signal: number) => void;

export interface SignalRebootOptions {
  signal?: number;
  pid?: number;
  kill?: Kill;
}

export class SignalReboot implements Rebooter {
  private readonly signal: number;
  private readonly pid: number;
  private readonly kill: Kill;

  constructor(o: SignalRebootOptions = {}) {
    this.signal = o.signal ?? 39;
    // SIGRTMIN..SIGRTMAX on Linux is 34..64; lower numbers are ordinary signals also allowed.
    if (!Number.isInteger(this.signal) || this.signal < 1 || this.signal > 64) throw new Error(`reboot-signal must be an integer 1-64, got ${o.signal}`);
    this.pid = o.pid ?? 1;
    this.kill = o.kill ?? ((pid, sig) => process.kill(pid, sig));
  }

  async reboot(): Promise<void> {
    try {
      this.kill(this.pid, this.signal);
    } catch (e) {
      throw new Error(`could not send signal ${this.signal} to PID ${this.pid} (hostPID and privileges needed): ${(e as Error).message}`);
    }
  }

  describe(): string {
    return `signal ${this.signal} to PID ${this.pid}`;
  }
}
