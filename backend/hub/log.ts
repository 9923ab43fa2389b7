// The hub logs through the shared JSON logger (backend/shared/log.ts); re-exported here for
// callers that embed the hub and import its logger from this folder.
export { errMsg, jsonLogger, silentLogger, type JsonLogger, type JsonLogger as HubLogger } from '../shared/log.ts';
