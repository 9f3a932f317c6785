import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { CurrentUser, ReqMeta, type RequestMeta, Roles } from '#src/common/decorators/auth.decorators.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { PageQueryDto } from '#src/common/http/page-query.dto.js';
import {
  OAuthClientPageDto,
  OAuthClientResponseDto,
  OAuthClientWithSecretResponseDto,
  RegisterOAuthClientRequestDto,
} from './dto/oauth-client.dto.js';
import { OAuthClientsService } from './oauth-clients.service.js';

@ApiTags('oauth clients')
@ApiBearerAuth()
@Controller('api/v1/oauth-clients')
export class OAuthClientsController {
  constructor(private readonly clients: OAuthClientsService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Register an OAuth client (admin); the secret is in this answer only' })
  @ApiCreatedResponse({ type: OAuthClientWithSecretResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'COMMON_1400', 'OAUTH_1002', 'USER_1005', 'USER_1006')
  register(
    @Body() dto: RegisterOAuthClientRequestDto,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<OAuthClientWithSecretResponseDto> {
    return this.clients.register(dto, actor.userId, meta);
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List the OAuth clients (admin)' })
  @ApiOkResponse({ type: OAuthClientPageDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1005', 'USER_1006')
  list(@Query() query: PageQueryDto): Promise<OAuthClientPageDto> {
    return this.clients.list(query);
  }

  @Get(':clientId')
  @Roles('admin')
  @ApiOperation({ summary: 'One OAuth client (admin); never its secret' })
  @ApiOkResponse({ type: OAuthClientResponseDto })
  @ApiErrors('COMMON_1001', 'COMMON_1003', 'OAUTH_1001', 'USER_1005', 'USER_1006')
  get(@Param('clientId') clientId: string): Promise<OAuthClientResponseDto> {
    return this.clients.get(clientId);
  }

  @Post(':clientId/secret')
  @Roles('admin')
  @ApiOperation({ summary: 'Rotate the secret (admin): the old one stops working; the new one is in this answer only' })
  @ApiCreatedResponse({ type: OAuthClientWithSecretResponseDto })
  @ApiErrors('COMMON_1001', 'COMMON_1003', 'OAUTH_1001', 'OAUTH_1003', 'USER_1005', 'USER_1006')
  rotateSecret(
    @Param('clientId') clientId: string,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<OAuthClientWithSecretResponseDto> {
    return this.clients.rotateSecret(clientId, actor.userId, meta);
  }

  @Delete(':clientId')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an OAuth client (admin); its tokens stop working' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1001', 'COMMON_1003', 'OAUTH_1001', 'USER_1005', 'USER_1006')
  delete(
    @Param('clientId') clientId: string,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.clients.delete(clientId, actor.userId, meta);
  }
}
