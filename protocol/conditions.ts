// The agent's record of its reboots for node conditions (--reboot-on-condition), kept on the Node:
// `nodemend.dev/condition-reboots` (JSON array, newest first, bounded) says which condition each
// reboot was for, when, and whether the condition cleared afterwards; `nodemend.dev/condition-failed`
// (JSON object: condition -> why) marks the conditions a reboot did not clear, which are never
// rebooted for again until a person removes the mark. Parsers never throw.

/** A condition as the flag names it: "Type=Status", e.g. "KernelDeadlock=True". */
export type ConditionKey = string;

export interface ConditionReboot {
  condition: ConditionKey;
  /** RFC3339 of when the reboot was issued. */
  at: string;
  /** The condition was seen cleared after the reboot: the reboot worked. */
  cleared?: boolean;
}

export const CONDITION_REBOOTS_MAX = 20;

export function parseConditionReboots(raw: string | undefined): ConditionReboot[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (!Array.isArray(v)) return [];
    return v
      .filter((r): r is ConditionReboot => !!r && typeof r.condition === 'string' && typeof r.at === 'string' && Number.isFinite(Date.parse(r.at)))
      .slice(0, CONDITION_REBOOTS_MAX);
  } catch {
    return [];
  }
}

/**
 * The conditions marked as not cleared by their reboot. A mark that cannot be read marks every
 * condition (fail closed: a person wrote something odd, a person sorts it out).
 */
export function parseConditionFailed(raw: string | undefined): Record<ConditionKey, string> | 'all' {
  if (raw === undefined) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>;
  } catch {
    // fall through
  }
  return 'all';
}
