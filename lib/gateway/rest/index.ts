/** KCP's REST API (PG-API) transport. See README "KCP's REST API (PG-API)". */
export {
  RestGateway,
  isOutcomeUnknown,
  type RestGatewayOptions,
  type BatchKey,
  type BatchKeyDeleted,
  type ChargeBatchKeyRequest,
  type DeleteBatchKeyRequest,
  type IssueBatchKeyRequest,
} from './client.js';
export { RestCredentials, serializeCertificate, certificatePem, readKeyPassword, type KeyPasswordSource, type RestCredentialFiles } from './credentials.js';
export { REST_HOSTS, REST_PATHS, restHostEnvironment } from './hosts.js';
export { DEFAULT_REST_HTTP, type RestHttpOptions } from './http.js';
export { buildJson, parseAnswer } from './json.js';
