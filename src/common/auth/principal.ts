import type { FastifyRequest } from 'fastify';

export type PrincipalRole = 'user' | 'moderator' | 'admin';

/** Who is calling: set on the request by the JWT guard (a user) or the service-token guard. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  sessionId: string;
  role: PrincipalRole;
  email: string;
  /** A confirmed second factor (read with the user, like the role). */
  mfaEnabled: boolean;
}

interface ServicePrincipal {
  kind: 'service';
}

type Principal = UserPrincipal | ServicePrincipal;

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };
