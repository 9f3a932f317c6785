import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { linksHidden } from './mail-log.policy.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Mail over SMTP_URL with nodemailer. Without SMTP the mail goes to the log outside
 * production, its links cut to their path (the token stays out of the log) unless
 * LOG_MAIL_LINKS=true, and as a one-line notice in production, where no link is logged.
 */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly logger = new Logger(MailService.name);
  private readonly transport: Transporter | undefined;

  constructor(@InjectConfig() private readonly config: AppConfig) {
    this.transport = config.mail.smtpUrl === undefined ? undefined : nodemailer.createTransport(config.mail.smtpUrl);
    if (this.transport === undefined && config.isProduction) {
      this.logger.warn('SMTP_URL is not set: verification and reset mails are dropped');
    }
  }

  async send(mail: Mail): Promise<void> {
    if (this.transport === undefined) {
      if (this.config.isProduction) {
        this.logger.debug({ subject: mail.subject }, 'no SMTP_URL: mail not sent');
        return;
      }
      const text = this.config.log.mailLinks ? mail.text : linksHidden(mail.text);
      this.logger.log({ mail: { to: mail.to, subject: mail.subject, text } }, 'mail (no SMTP_URL set)');
      return;
    }
    await this.transport.sendMail({ from: this.config.mail.from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  /** Fire and forget: the HTTP answer never waits for (or reveals) delivery. */
  sendInBackground(mail: Mail): void {
    this.send(mail).catch((error: unknown) =>
      this.logger.error({ err: error, subject: mail.subject }, 'mail delivery failed'),
    );
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
