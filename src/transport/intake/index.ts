/**
 * Intake of insurer returns: the handler given to ReturnsPoller (store raw first, decrypt, verify, link to the
 * transmission, route by flow).
 */
export {
  InboundReturnStore,
  type InboundReturn,
  type NewInboundReturn,
  type RouteStatus,
  type SignatureStatus,
  type UnwrapRecord,
} from './inbound-return.store';
export { cmsContentType, unwrapReturn, type UnwrapOptions, type UnwrappedReturn } from './return-unwrapper';
export { ReturnsIntake, type IntakeEvent, type ReturnFlowHandler, type ReturnsIntakeOptions } from './returns-intake';
