// The duration syntax lives in protocol/ (the agent's flags, the hub and kubectl nodemend share it).
export { formatDuration, parseDuration } from '../../../protocol/duration.ts';
