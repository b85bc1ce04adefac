/** The local KCP gateway simulator: gateway endpoint, payment window, notifications. See README.md. */
export {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
  type SimulatorState,
  type DepositOptions,
  type PayOrder,
  type GatewayRequestLog,
} from './server.js';
export { Gateway, DEFAULT_SITES, TEST_ESCROW_SITE_CD, TEST_ESCROW_SITE_KEY, amountTrigger, type SimTransaction } from './gateway.js';
export { CODES, type SimCode } from './codes.js';
export { isAccepted, type DeliveryReport, type DeliveryAttempt } from './notify.js';
export { makeTraceNo } from './trace.js';
export type { WindowResult } from './window.js';
export type { SimTrade } from './trade.js';
export type { PayMethod } from './token.js';
export { installStandIn, isStandIn, standInBuildPath, StandInRefused, type InstallStandInOptions } from './standin.js';
export {
  startRestSimulator,
  createSimPki,
  RestGatewaySim,
  REST_CODES,
  SIM_KEY_PASSWORD,
  type RestSimulator,
  type RestSimulatorOptions,
  type RestRequestLog,
  type SimPki,
  type SimBatchKey,
} from './rest/index.js';
