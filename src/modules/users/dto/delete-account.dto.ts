import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class DeleteAccountRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 1024, description: 'the current password, to confirm' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}
