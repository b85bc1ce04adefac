/**
 * `npm start`: the sample shop against the local simulator, on 127.0.0.1.
 * PORT (default 3000) and SIM_PORT (default: any free port) choose the ports.
 */
import { startSample } from './runtime.js';

const sample = await startSample({
  port: Number(process.env.PORT ?? 3000),
  simPort: Number(process.env.SIM_PORT ?? 0),
  console: true,
});
process.stdout.write(
  `KCP sample shop:  ${sample.shopUrl}/\n` +
    `simulator:        ${sample.sim.url}/ (TEST gateway, payment window, notifications)\n` +
    `config:           ${sample.cfgFile}  (check it: npx kcp-payplus doctor --config ${sample.cfgFile} --offline)\n` +
    `Press Ctrl+C to stop.\n`,
);
const stop = () => {
  sample.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
