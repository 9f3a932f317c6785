import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { CurrentUser, ReqMeta, type RequestMeta, Roles } from '#src/common/decorators/auth.decorators.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { ImportReportDto, ImportUsersRequestDto } from './dto/user-import.dto.js';
import { UserImportService } from './user-import.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UserImportController {
  constructor(private readonly importer: UserImportService) {}

  @Post('import')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import 1-1000 users with their existing password hashes (admin); one transaction per user',
  })
  @ApiOkResponse({ type: ImportReportDto, description: 'what happened to each user: imported, skipped or failed' })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'COMMON_1400', 'COMMON_1413', 'USER_1005', 'USER_1006')
  import(
    @Body() dto: ImportUsersRequestDto,
    @CurrentUser() actor: UserPrincipal,
    @ReqMeta() meta: RequestMeta,
  ): Promise<ImportReportDto> {
    return this.importer.import(dto.users, actor.userId, meta);
  }
}
