export * from './pod-security';
export * from './disruption-budget';
export * from './topology-spread';
export * from './workload-defaults';
export * from './resilient-deployment';
export * from './load-balanced-service';
export * from './scalable-backend';
