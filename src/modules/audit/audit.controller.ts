import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/common/decorators/auth.decorators.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { AuditPageDto, ListAuditQueryDto } from './dto/audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The audit log, newest first (admin); filter by user and action' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1005', 'USER_1006')
  list(@Query() query: ListAuditQueryDto): Promise<AuditPageDto> {
    return this.audit.page(query);
  }
}
