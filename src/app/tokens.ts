/** Injection tokens for the infrastructure built before Nest starts (see app/infrastructure.ts). */
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const QUEUE_BACKEND = Symbol('QUEUE_BACKEND');
export const HEALTH_PROBES = Symbol('HEALTH_PROBES');
export const TRANSPORT = Symbol('TRANSPORT');
