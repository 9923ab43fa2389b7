// The backend's one program, as the container image runs it:
//   nodemend agent [flags]   the per-node agent (DaemonSet)
//   nodemend hub [flags]     the event hub (Deployment)
// A configuration error names the flag and the fix, and exits 2 before anything starts.

import { runHub, ConfigError } from './hub/main.ts';
import { USAGE as HUB_USAGE } from './hub/config.ts';
import { runAgentMain } from './agent/main.ts';
import { versionLine } from './shared/build-info.ts';

const USAGE = 'usage: nodemend agent [flags] | nodemend hub [flags] | nodemend --version   (--help after either lists its flags)';

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'agent':
      await runAgentMain(rest, process.env);
      return;
    case 'hub':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(HUB_USAGE);
        return;
      }
      if (rest.includes('--version')) {
        console.log(versionLine());
        return;
      }
      await runHub(rest, process.env);
      return;
    case '--version':
      console.log(versionLine());
      return;
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return;
    default:
      console.error(`nodemend: unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(`nodemend: ${e.message}`);
    process.exit(2);
  }
  console.error(`nodemend: fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
