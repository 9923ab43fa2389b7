// The merge-patch bodies for every request a person makes, built from protocol/annotations.ts so
// the extension writes exactly what the agent parses. Pure; validation happens here (the same rules
// the agent applies), so a bad reason never reaches the cluster.

import { A, parseReason } from '../../protocol/annotations.ts';

/** A JSON merge patch of metadata.annotations; null removes the key. */
export interface AnnotationPatch {
  metadata: { annotations: Record<string, string | null> };
}

export type Built = { ok: true; patch: AnnotationPatch } | { ok: false; error: string };

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const patch = (annotations: Record<string, string | null>): Built => ({ ok: true, patch: { metadata: { annotations } } });

/** Reboot once `at` has passed, inside the reboot window (the agent still waits for the window). */
export function scheduleReboot(at: number): Built {
  return patch({ [A.rebootAfter]: iso(at) });
}

/** Reboot now, ignoring the window and blockers (alerts, manual blocks); still drains. */
export function forceReboot(now: number): Built {
  return patch({ [A.forceReboot]: iso(now) });
}

/** Block reboots with a reason, until a time or until removed. */
export function block(reason: string, until?: number): Built {
  const r = parseReason(A.block, reason);
  if (!r.ok) return { ok: false, error: r.error };
  return patch({ [A.block]: r.value, [A.blockUntil]: until === undefined ? null : iso(until) });
}

export function unblock(): Built {
  return patch({ [A.block]: null, [A.blockUntil]: null });
}

/** Withdraws a scheduled or forced reboot that has not started yet. */
export function cancelRequest(): Built {
  return patch({ [A.rebootAfter]: null, [A.forceReboot]: null });
}
