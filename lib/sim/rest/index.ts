/** The simulator's KCP PG-API (REST) server. See lib/sim/README.md "REST API (PG-API)". */
export { startRestSimulator, type RestSimulator, type RestSimulatorOptions, type RestRequestLog } from './server.js';
export { RestGatewaySim, inquiryFields, type RestAnswer, type SimBatchKey } from './gateway.js';
export { createSimPki, SIM_KEY_PASSWORD, type SimPki, type IssueOptions } from './pki.js';
export { REST_CODES } from './codes.js';
