/**
 * Sends one e-mail and reports what happened. Adapter: SMTP (nodemailer, SMTP_URL). With SMTP_URL
 * unset there is no mailer and pollcast sends no e-mail.
 */
import type { SendOutcome } from '../domain/delivery.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /**
   * `<id@host>`: the same on every attempt of one delivery, so a mail system that got a message
   * twice (a crash between sending and recording it) can tell.
   */
  messageId: string;
}

export interface Mailer {
  /** Never throws for a refused or failed send: reports it (`permanent` for a 5xx refusal). */
  send(message: MailMessage): Promise<SendOutcome>;
  close(): Promise<void>;
}
