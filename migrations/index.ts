import { Initial1795305058052 } from './1795305058052-Initial.js';

/** Every migration in order. Never edit one after it is committed; add a new one. */
export const MIGRATIONS = [Initial1795305058052];
