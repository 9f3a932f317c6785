import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { NO_CONTROL_CHARS } from '#src/common/http/dto-rules.js';

export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
/** An absolute http(s) URL with no fragment (redirect URIs are compared exactly). */
const URL_PATTERN = /^https?:\/\/[^\s#]+$/;
const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
const SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

export class RegisterOAuthClientRequestDto {
  @ApiPropertyOptional({ description: 'Chosen id; generated when absent', pattern: CLIENT_ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(CLIENT_ID_PATTERN)
  client_id?: string;

  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS)
  name!: string;

  @ApiProperty({ type: [String], description: 'Exact redirect URIs (code flow)', maxItems: 10, uniqueItems: true })
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  @Matches(URL_PATTERN, { each: true })
  redirect_uris!: string[];

  @ApiPropertyOptional({ type: [String], maxItems: 10, uniqueItems: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  @Matches(URL_PATTERN, { each: true })
  post_logout_redirect_uris?: string[];

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...CLIENT_GRANT_TYPES] },
    minItems: 1,
    uniqueItems: true,
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(CLIENT_GRANT_TYPES, { each: true })
  grant_types!: (typeof CLIENT_GRANT_TYPES)[number][];

  @ApiPropertyOptional({
    type: [String],
    description:
      'Scopes it may ask for (openid, profile, email, offline_access, and API scopes for client_credentials)',
    maxItems: 30,
    uniqueItems: true,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @ArrayUnique()
  @Matches(SCOPE_PATTERN, { each: true })
  scopes?: string[];

  @ApiPropertyOptional({ description: 'The resource (audience) of its client_credentials tokens', maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(URL_PATTERN)
  audience?: string;

  @ApiPropertyOptional({ description: 'First-party clients skip the consent screen', default: false })
  @IsOptional()
  @IsBoolean()
  first_party?: boolean;

  @ApiPropertyOptional({
    enum: CLIENT_AUTH_METHODS,
    default: 'client_secret_basic',
    description: '`none`: a public client (browser, native app): no secret, PKCE only',
  })
  @IsOptional()
  @IsIn(CLIENT_AUTH_METHODS)
  token_endpoint_auth_method?: (typeof CLIENT_AUTH_METHODS)[number];
}

export class OAuthClientResponseDto {
  @ApiProperty() client_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) redirect_uris!: string[];
  @ApiProperty({ type: [String] }) post_logout_redirect_uris!: string[];
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...CLIENT_GRANT_TYPES] } }) grant_types!: string[];
  @ApiProperty({ type: [String] }) scopes!: string[];
  @ApiProperty({ type: String, nullable: true }) audience!: string | null;
  @ApiProperty() first_party!: boolean;
  @ApiProperty({ enum: CLIENT_AUTH_METHODS }) token_endpoint_auth_method!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

/** Registration and rotation: the client, and its secret (shown this once; only its hash is kept). */
export class OAuthClientWithSecretResponseDto extends OAuthClientResponseDto {
  @ApiProperty({ type: String, nullable: true, description: 'Shown once; null for a public client' })
  client_secret!: string | null;
}

export class OAuthClientPageDto {
  @ApiProperty({ type: [OAuthClientResponseDto] }) items!: OAuthClientResponseDto[];
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
  @ApiProperty({ type: 'integer', minimum: 1 }) page!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100 }) limit!: number;
}
