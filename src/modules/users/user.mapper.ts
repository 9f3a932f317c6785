import type { UserResponseDto, UserViewDto } from './dto/user.dto.js';
import type { User } from './user.entity.js';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Whitelisting mapper: a new column never reaches the wire by accident. */
export function toUserResponse(user: User): UserResponseDto {
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

/** The public fields of `UserViewDto` only: what another signed-in user may see. */
export function toPublicUser(user: User): UserViewDto {
  return { id: user.id, username: user.username, name: user.name, created_at: iso(user.createdAt) as string };
}
