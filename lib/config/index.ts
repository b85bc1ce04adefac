/** lib/config: SiteConf (KCP's site_conf_inc, validated) and its loaders. */
export * from './site-conf.js';
export { SiteConf, type SiteConfFromFileOptions, type SiteConfPresetOptions } from './site-conf-class.js';
export { configError, RES_3014, RES_8001, type KcpConsequence } from './config-error.js';
export {
  checkEnvironment,
  gatewayEnvironment,
  isLoopbackHost,
  jsUrlEnvironment,
  siteCdEnvironment,
  type EnvReading,
  type EnvSettings,
  type JsUrlReading,
} from './environment.js';
export { isInside, resolveReal } from './web-roots.js';
export { formatOf, readSiteConfFile, type SiteConfFormat, type SiteConfSource } from './load.js';
export { decodeConfigBytes } from './legacy/source.js';
export { REST_HOSTS, restHostEnvironment, checkRestSettings, type RestSettings, type RestFileSettings } from './rest.js';
