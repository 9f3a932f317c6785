import type autocannon from 'autocannon';

/** argon2id parameters, as the service's ARGON2_* settings and Keycloak's argon2 provider take them. */
export interface Argon2Cost {
  label: string;
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

export interface Tokens {
  access: string;
  refresh: string;
}

/** One server under test: this service or Keycloak, driven the same way. */
export interface Contender {
  readonly name: string;
  /** http://127.0.0.1:PORT of the running server. */
  readonly base: string;
  /** The process whose RSS is reported (Keycloak: the JVM, not kc.sh). */
  readonly pid: number;
  createDatabase(): Promise<void>;
  dropDatabase(): Promise<void>;
  /** Resolves with the milliseconds from spawn to readiness. */
  start(cost: Argon2Cost): Promise<number>;
  stop(): Promise<void>;
  /** Creates `count` users with the bench password, hashed at the running cost. */
  seed(count: number): Promise<void>;
  login(index: number): Promise<Tokens>;
  /** Stored password hashes at exactly `cost`, out of all users' (proves the cost in effect). */
  hashesAt(cost: Argon2Cost): Promise<{ atCost: number; total: number }>;
  loginRequest(): autocannon.Request;
  refreshRequest(pool: string[]): autocannon.Request;
  readRequest(tokens: Tokens[]): autocannon.Request;
}
