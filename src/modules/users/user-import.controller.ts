import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { CurrentUser, ReqMeta, type RequestMeta, Roles } from '#src/common/decorators/auth.decorators.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { BodyBounds } from '#src/common/http/json-body.js';
import { ImportReportDto, ImportUsersRequestDto, MAX_IMPORT_USERS } from './dto/user-import.dto.js';
import { UserImportService } from './user-import.service.js';

/**
 * The import's own body bounds: up to MAX_IMPORT_USERS users of at most 7 fields, where every
 * other route has the global 16 KiB and 256 values (docs/decisions.md, "HTTP input bounds").
 */
const IMPORT_BODY = { limitBytes: 1024 * 1024, maxValues: MAX_IMPORT_USERS * 8 + 1 };

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UserImportController {
  constructor(private readonly importer: UserImportService) {}

  @Post('import')
  @Roles('admin')
  @HttpCode(200)
  @BodyBounds(IMPORT_BODY)
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
