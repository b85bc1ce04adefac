/** The smartphone window: trade registration (SOAP), then sm_form; the return goes through lib/window. */
export { registerTrade, tradeRegistrationUrl, type TradeGateway, type TradeOptions, type TradeRegistration, type TradeRequest } from './register.js';
export * from './errors.js';
export { smartphoneOrderForm, type SmartphoneOrderForm, type SmartphoneOrderInput } from './smartphone-form.js';
export { SMARTPHONE_PAY_METHODS, type SmartphoneMethodName, type SmartphonePayMethod } from './pay-method.js';
