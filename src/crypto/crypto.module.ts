import { Global, Module } from '@nestjs/common';
import type { AppConfig } from '#src/config/app-config.js';
import { APP_CONFIG } from '#src/config/config.module.js';
import { resolveDataKeys } from './data-keys.js';
import { FieldCipher } from './field-cipher.js';

/** The field cipher for data at rest, from DATA_ENCRYPTION_KEYS (or the development key). */
@Global()
@Module({
  providers: [
    {
      provide: FieldCipher,
      useFactory: (config: AppConfig) => new FieldCipher(resolveDataKeys(config)),
      inject: [APP_CONFIG],
    },
  ],
  exports: [FieldCipher],
})
export class CryptoModule {}
