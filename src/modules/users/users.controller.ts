import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthenticatedRequest, UserPrincipal } from '#src/common/auth/principal.js';
import {
  Authenticated,
  CurrentUser,
  MfaEnrollmentExempt,
  ReqMeta,
  type RequestMeta,
  Roles,
  ServiceToken,
} from '#src/common/decorators/auth.decorators.js';
import { RateLimit } from '#src/common/decorators/rate-limit.decorator.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { UuidParam } from '#src/common/http/uuid-param.pipe.js';
import { Req } from '@nestjs/common';
import {
  AdminCreateUserRequestDto,
  AdminUpdateUserRequestDto,
  ChangeRoleRequestDto,
  ListUsersQueryDto,
  UpdateProfileRequestDto,
  UserExportPageDto,
  UserExportQueryDto,
  UserPageDto,
  UserResponseDto,
  UserViewDto,
} from './dto/user.dto.js';
import { DeleteAccountRequestDto } from './dto/delete-account.dto.js';
import { UserExportDto } from './dto/user-export.dto.js';
import { CurrentAccount } from './current-account.decorators.js';
import type { User } from './user.entity.js';
import { DataRightsService } from './data-rights.service.js';
import { UserManagementService } from './user-management.service.js';
import { UserQueriesService, type Viewer } from './user-queries.service.js';

const viewerOf = (req: AuthenticatedRequest): Viewer | null =>
  req.principal?.kind === 'user' ? { userId: req.principal.userId, role: req.principal.role } : null;

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UsersController {
  constructor(
    private readonly queries: UserQueriesService,
    private readonly management: UserManagementService,
    private readonly dataRights: DataRightsService,
  ) {}

  @Get('me')
  @Authenticated()
  @MfaEnrollmentExempt()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006')
  me(@CurrentAccount() account: User): UserResponseDto {
    return this.queries.me(account);
  }

  @Patch('me')
  @Authenticated()
  @ApiOperation({ summary: 'Update own profile' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1400', 'USER_1005', 'USER_1006', 'USER_1105')
  updateMe(@CurrentUser() user: UserPrincipal, @Body() dto: UpdateProfileRequestDto): Promise<UserResponseDto> {
    return this.management.updateProfile(user.userId, dto);
  }

  @Delete('me')
  @Authenticated()
  @HttpCode(204)
  @RateLimit('login')
  @ApiOperation({
    summary: 'Erase own account (password, and a code with MFA on): personal data anonymised, sessions end',
  })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'USER_1001', 'USER_1003', 'USER_1005', 'USER_1006', 'USER_1401')
  deleteMe(
    @CurrentUser() user: UserPrincipal,
    @Body() dto: DeleteAccountRequestDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.dataRights.eraseSelf(user.userId, dto.password, dto, meta);
  }

  @Get('me/export')
  @Authenticated()
  @ApiOperation({ summary: 'Everything stored about the signed-in user (GDPR export)' })
  @ApiOkResponse({ type: UserExportDto })
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006')
  export(@CurrentUser() user: UserPrincipal): Promise<UserExportDto> {
    return this.dataRights.export(user.userId);
  }

  @Get('by-username/:username')
  @ServiceToken('allowed')
  @Authenticated()
  @ApiSecurity('service-token')
  @ApiOperation({ summary: 'A user by username (bearer or X-Service-Token)' })
  @ApiOkResponse({ type: UserViewDto })
  @ApiErrors('COMMON_1001', 'USER_1005', 'USER_1006', 'USER_1101')
  byUsername(@Param('username') username: string, @Req() req: AuthenticatedRequest): Promise<UserViewDto> {
    return this.queries.getByUsername(username, viewerOf(req));
  }

  @Get('export')
  @ServiceToken('required')
  @ApiSecurity('service-token')
  @ApiOperation({
    summary: 'Every user not erased, a page at a time in a stable order (X-Service-Token)',
    description:
      "The backfill path for event consumers (docs/events): page with `after` set to the previous page's `next_cursor` until it is null. Erased users are left out.",
  })
  @ApiOkResponse({ type: UserExportPageDto })
  exportPage(@Query() query: UserExportQueryDto): Promise<UserExportPageDto> {
    return this.queries.exportPage(query);
  }

  @Get(':id')
  @ServiceToken('allowed')
  @Authenticated()
  @ApiSecurity('service-token')
  @ApiOperation({
    summary: 'A user: full for self, admin/moderator and X-Service-Token; public fields for others',
  })
  @ApiOkResponse({ type: UserViewDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'USER_1005', 'USER_1006', 'USER_1101')
  byId(@Param('id', UuidParam('id')) id: string, @Req() req: AuthenticatedRequest): Promise<UserViewDto> {
    return this.queries.getById(id, viewerOf(req));
  }

  @Get()
  @Roles('admin', 'moderator')
  @ApiOperation({ summary: 'List users (admin, moderator)' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1005', 'USER_1006')
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.queries.list(query);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a user (admin); may set role and is_verified' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1001',
    'COMMON_1003',
    'COMMON_1400',
    'USER_1102',
    'USER_1103',
    'USER_1104',
    'USER_1105',
  )
  create(
    @Body() dto: AdminCreateUserRequestDto,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserResponseDto> {
    return this.management.createByAdmin(dto, actor.userId, meta);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Update a user (admin); is_active=false ends their sessions' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1001',
    'COMMON_1003',
    'COMMON_1400',
    'USER_1101',
    'USER_1102',
    'USER_1104',
    'USER_1105',
  )
  update(
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: AdminUpdateUserRequestDto,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserResponseDto> {
    return this.management.updateByAdmin(id, dto, actor.userId, meta);
  }

  @Put(':id/role')
  @Roles('admin')
  @ApiOperation({ summary: "Change a user's role; applies on their next request" })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1101')
  changeRole(
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: ChangeRoleRequestDto,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserResponseDto> {
    return this.management.changeRole(id, dto.role, actor.userId, meta);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Erase a user (admin): anonymised, deactivated, sessions end' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1101')
  remove(
    @Param('id', UuidParam('id')) id: string,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.management.erase(id, actor.userId, meta);
  }
}
