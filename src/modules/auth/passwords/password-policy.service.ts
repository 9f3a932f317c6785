import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { canonicalPassword } from '#src/common/text/identifiers.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { PASSWORD_RULE_MESSAGES, passwordViolations } from './password.policy.js';

/** The configured password policy (contract §2), applied to the NFKC form of a password. */
@Injectable()
export class PasswordPolicyService {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  /** Refuses a password that breaks the policy with USER_1103 naming the rules. */
  assert(password: string): void {
    const rules = passwordViolations(canonicalPassword(password), this.config.password);
    if (rules.length > 0) {
      throw new AppException('USER_1103', undefined, {
        rules,
        messages: rules.map((r) => `password ${PASSWORD_RULE_MESSAGES[r]}`),
      });
    }
  }
}
