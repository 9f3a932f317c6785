import type { User } from './user.entity.js';

export interface UserResponse {
  id: string;
  email: string;
  username: string | null;
  name: string;
  phone: string | null;
  role: string;
  is_active: boolean;
  is_verified: boolean;
  business_type: string | null;
  business_number: string | null;
  industry: string | null;
  region: string | null;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface PublicUser {
  id: string;
  username: string | null;
  name: string;
  created_at: string;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Whitelisting mapper: a new column never reaches the wire by accident. */
export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    name: user.name,
    phone: user.phone,
    role: user.role,
    is_active: user.isActive,
    is_verified: user.isVerified,
    business_type: user.businessType,
    business_number: user.businessNumber,
    industry: user.industry,
    region: user.region,
    created_at: iso(user.createdAt) as string,
    updated_at: iso(user.updatedAt) as string,
    last_login_at: iso(user.lastLoginAt),
  };
}

export function toPublicUser(user: User): PublicUser {
  return { id: user.id, username: user.username, name: user.name, created_at: iso(user.createdAt) as string };
}
