/**
 * E-mail over SMTP with nodemailer, from SMTP_URL
 * (`smtp://user:pass@host:587`, `smtps://…:465`). A 5xx reply is a permanent refusal (the delivery
 * is dead at once); a 4xx reply, a refused or dropped connection or a timeout is tried again later.
 */
import { createTransport } from 'nodemailer';
import type { SendOutcome } from '../../domain/delivery.js';
import type { MailMessage, Mailer } from '../../ports/mailer.js';

export interface SmtpMailerOptions {
  url: string;
  /** The From header: `Name <address>` or an address. */
  from: string;
  /** Bounds on connecting, the greeting and each command, ms. */
  timeoutMs?: number;
}

interface SmtpError extends Error {
  responseCode?: number;
  code?: string;
}

export class SmtpMailer implements Mailer {
  readonly #transport: ReturnType<typeof createTransport>;
  readonly #from: string;

  constructor(o: SmtpMailerOptions) {
    const t = o.timeoutMs ?? 10_000;
    // One connection per message: e-mail is rare next to votes, and nothing stale survives an outage.
    this.#transport = createTransport({ url: o.url, connectionTimeout: t, greetingTimeout: t, socketTimeout: t });
    this.#from = o.from;
  }

  async send(m: MailMessage): Promise<SendOutcome> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      await this.#transport.sendMail({
        from: this.#from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        messageId: m.messageId,
      });
      return { ok: true, status: 250, durationMs: ms() };
    } catch (err) {
      const e = err as SmtpError;
      const code = typeof e.responseCode === 'number' ? e.responseCode : null;
      return {
        ok: false,
        status: code,
        error: `${e.code ?? 'smtp'}: ${e.message}`.slice(0, 300),
        durationMs: ms(),
        permanent: code !== null && code >= 500,
      };
    }
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
