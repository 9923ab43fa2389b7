// A real VS Code for end-to-end tests: code-server (installed and cached by scripts/code-server.sh),
// started on a free 127.0.0.1 port with its own user data and extensions folders, the packaged
// .vsix installed, and user settings seeded. Its log is kept in the folder for failures.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitFor } from '../../../tools/harness/index.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

export interface CodeServer {
  url: string;
  dir: string;
  /** The folder opened in the workbench. */
  folder: string;
  log(): string;
  /** Merges into the user settings.json; the running workbench picks the change up. */
  updateSettings(patch: Record<string, unknown>): void;
  /** The extension host's log of our extension (the "nodemend" output channel). */
  extensionLog(): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  vsix: string;
  settings?: Record<string, unknown>;
  /** Files written into the opened folder before the workbench reads it, by relative path. */
  folderFiles?: Record<string, string>;
  env?: Record<string, string>;
}

/** Where code-server is installed (installs on first use, ~7 min). */
export function codeServerDir(): string {
  return execFileSync('bash', [join(ROOT, 'scripts/code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export function node24(): string {
  return join(execFileSync('bash', [join(ROOT, 'scripts/node.sh')], { encoding: 'utf8' }).trim(), 'node');
}

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  const cs = codeServerDir();
  const node = node24();
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-vscode-'));
  const data = join(dir, 'data');
  const ext = join(dir, 'extensions');
  const folder = join(dir, 'workspace');
  for (const d of [join(data, 'User'), ext, folder]) mkdirSync(d, { recursive: true });
  for (const [rel, text] of Object.entries(o.folderFiles ?? {})) {
    mkdirSync(dirname(join(folder, rel)), { recursive: true });
    writeFileSync(join(folder, rel), text);
  }
  const settings = {
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    'workbench.reduceMotion': 'on',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'workbench.colorTheme': 'Default Dark Modern',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...o.settings,
  };
  const settingsPath = join(data, 'User', 'settings.json');
  writeFileSync(settingsPath, JSON.stringify(settings, null, 2));
  const entry = join(cs, 'out/node/entry.js');
  const common = ['--user-data-dir', data, '--extensions-dir', ext];
  const inst = spawnSync(node, [entry, ...common, '--install-extension', o.vsix], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, EXTENSIONS_GALLERY: '{}' } });
  if (inst.status !== 0) throw new Error(`code-server --install-extension failed: ${inst.stdout}\n${inst.stderr}`);
  const port = await freePort();
  const logFile = join(dir, 'code-server.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    node,
    [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...common, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', folder],
    // An empty gallery: code-server would otherwise query open-vsx.org; nothing may leave 127.0.0.1.
    { stdio: ['ignore', out, out], env: { ...process.env, EXTENSIONS_GALLERY: '{}', ...o.env }, detached: false },
  );
  const url = `http://127.0.0.1:${port}/`;
  await waitFor(
    'code-server to answer /healthz',
    async () => {
      if (child.exitCode !== null) return true; // reported below with its log
      try {
        return (await fetch(`${url}healthz`)).ok;
      } catch {
        return false;
      }
    },
    60_000,
    logFile,
  );
  if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}): ${readFileSync(logFile, 'utf8').slice(-2000)}`);
  return {
    url,
    dir,
    folder,
    log: () => readFileSync(logFile, 'utf8'),
    updateSettings: (patch) => {
      const cur = JSON.parse(readFileSync(settingsPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(settingsPath, JSON.stringify({ ...cur, ...patch }, null, 2));
    },
    extensionLog: () => {
      try {
        const out = execFileSync('bash', ['-c', `cat "${data}"/logs/*/exthost*/*/*nodemend*.log 2>/dev/null || true`], { encoding: 'utf8' });
        return out;
      } catch {
        return '';
      }
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            r(undefined);
          }, 5000);
          child.once('exit', () => {
            clearTimeout(t);
            r(undefined);
          });
        });
      }
      if (!process.env.NODEMEND_KEEP) rmSync(dir, { recursive: true, force: true });
    },
  };
}
