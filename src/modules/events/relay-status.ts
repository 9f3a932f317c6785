export type DependencyState = 'healthy' | 'unhealthy' | 'disabled';

/** What the health routes ask of the event relay. */
export interface RelayStatus {
  brokerState(): DependencyState;
}

export const RELAY_STATUS = Symbol('RELAY_STATUS');
