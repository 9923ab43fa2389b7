// Writes `contributes`, `activationEvents` and `capabilities` into package.json, leaving every other field as is.
// Run after changing commands/ids.ts or contributes.ts: node extension/manifest/write.ts

import { readFileSync, writeFileSync } from 'node:fs';
import { activationEvents, capabilities, contributes } from './contributes.ts';

const path = new URL('../../package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
pkg.activationEvents = activationEvents;
pkg.contributes = contributes;
pkg.capabilities = capabilities;
writeFileSync(path, JSON.stringify(pkg, null, 2) + '\n');
console.log('package.json: contributes, activationEvents and capabilities written');
