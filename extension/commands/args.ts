// Which nodes a command acts on, from however it was invoked: a tree context menu (the clicked
// element, plus all selected elements when several are), the dashboard (a node name), another
// command (a name or a list of names), or the palette (nothing: ask). Pure.

type NodeLike = { kind: 'node'; name: string };
const isNodeEl = (v: unknown): v is NodeLike =>
  typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'node' && typeof (v as { name?: unknown }).name === 'string';

/** Node names from the arguments, or undefined when the command should ask. */
export function nodesFromArgs(args: readonly unknown[]): string[] | undefined {
  const [first, second] = args;
  // A tree menu with several rows selected passes (clicked, selection).
  if (Array.isArray(second) && second.some(isNodeEl)) return unique(second.filter(isNodeEl).map((e) => e.name));
  if (isNodeEl(first)) return [first.name];
  if (typeof first === 'string' && first) return [first];
  if (Array.isArray(first)) {
    const names = first.map((v) => (isNodeEl(v) ? v.name : v)).filter((v): v is string => typeof v === 'string' && v.length > 0);
    return names.length ? unique(names) : undefined;
  }
  return undefined;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
