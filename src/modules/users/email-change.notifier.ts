import { Injectable, Logger } from '@nestjs/common';

/** A committed change of a user's email address. */
export interface EmailChange {
  userId: string;
  previousEmail: string;
  email: string;
  /** After the change: false unless an admin set it in the same request. */
  isVerified: boolean;
}

export interface EmailChangeListener {
  /** Runs after the change committed. */
  emailChanged(change: EmailChange): Promise<void>;
}

/**
 * Tells other modules that an email changed (auth mails a verification link to the new
 * address). Like PersonalDataRegistry, it lets a module that depends on users react
 * without users depending back on it.
 */
@Injectable()
export class EmailChangeNotifier {
  private readonly logger = new Logger(EmailChangeNotifier.name);
  private readonly listeners: EmailChangeListener[] = [];

  register(listener: EmailChangeListener): void {
    if (!this.listeners.includes(listener)) this.listeners.push(listener);
  }

  /** The change is committed whatever happens here: a failure is logged, never thrown to the client. */
  async notify(change: EmailChange): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener.emailChanged(change);
      } catch (error) {
        this.logger.error({ err: error, user_id: change.userId }, 'email change follow-up failed');
      }
    }
  }
}
