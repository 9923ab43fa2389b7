// The file sentinel (Kured's /var/run/reboot-required, host /var/run mounted in the pod): the
// file's existence means a reboot is needed. The directory is watched (the file may not exist yet,
// and package managers create it by rename), so a change is seen within a second; a periodic
// re-check with jitter is the safety net for missed events (overlay and network filesystems,
// a directory that appears later).

import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Disposable, Random, SentinelResult } from '../ports.ts';
import { errMsg } from '../../shared/log.ts';

export interface SentinelSource {
  check(): Promise<SentinelResult>;
  watch(onChange: () => void): Disposable;
}

export interface FileSentinelOptions {
  path: string;
  /** Safety-net re-check period (default 60 s), spread by ±10 % jitter. */
  recheckMs?: number;
  random?: Random;
}

export class FileSentinel implements SentinelSource {
  private readonly path: string;
  private readonly recheckMs: number;
  private readonly random: Random;

  constructor(o: FileSentinelOptions) {
    if (!o.path.startsWith('/')) throw new Error(`reboot-sentinel must be an absolute path, got ${JSON.stringify(o.path)}`);
    this.path = o.path;
    this.recheckMs = o.recheckMs ?? 60_000;
    this.random = o.random ?? Math.random;
  }

  async check(): Promise<SentinelResult> {
    try {
      await stat(this.path);
      return { required: true };
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'ENOENT' || c === 'ENOTDIR') return { required: false };
      return { unknown: `cannot read sentinel ${this.path}: ${errMsg(e)}` };
    }
  }

  watch(onChange: () => void): Disposable {
    const dir = dirname(this.path);
    const name = basename(this.path);
    let w: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let last: string | undefined;
    const arm = () => {
      if (w || closed) return;
      try {
        w = watch(dir, { persistent: false }, (_ev, file) => {
          if (file === null || file === name) onChange();
        });
        w.on('error', () => {
          // The directory went away: drop the watcher; the re-check arms it again later.
          w?.close();
          w = undefined;
        });
      } catch {
        w = undefined; // directory missing: the periodic re-check keeps trying
      }
    };
    const recheck = async () => {
      arm();
      const r = JSON.stringify(await this.check());
      if (last !== undefined && r !== last) onChange();
      last = r;
      if (!closed) schedule();
    };
    const schedule = () => {
      const jitter = 0.9 + 0.2 * this.random();
      timer = setTimeout(() => void recheck(), Math.max(50, Math.round(this.recheckMs * jitter)));
      timer.unref();
    };
    arm();
    void this.check().then((r) => (last ??= JSON.stringify(r)));
    schedule();
    return {
      dispose: () => {
        closed = true;
        clearTimeout(timer);
        w?.close();
        w = undefined;
      },
    };
  }
}
