/**
 * Sends e-mail deliveries. A delivery stores the message's data, not its text: the text (and any
 * signed link in it) is built at each attempt, the same way every time for one delivery (expiry
 * from the delivery's createdAt), so no token sits in the database and a retry sends the same link.
 * A recipient or poll gone meanwhile ends the delivery (dead, `gone`).
 */
import { fingerprint, LINK_TTL_MS, type AccountLinks } from '../../domain/account-links.js';
import type { Delivery, SendOutcome } from '../../domain/delivery.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { MailMessage, Mailer } from '../../ports/mailer.js';
import type { Store } from '../../ports/store.js';
import type { DeliveryHandler } from './delivery-worker.js';

/** The kinds of e-mail (a delivery's eventType) and the data each stores. */
export interface EmailPayloads {
  password_reset: { userId: string };
  verify_email: { userId: string; email: string };
  invitation: { invitationId: string; workspaceName: string; inviterName: string; role: string; expiresAt: number };
  close_summary: { pollId: string; workspaceId: string };
}
export type EmailKind = keyof EmailPayloads;

export interface EmailChannelDeps {
  mailer: Mailer;
  links: AccountLinks;
  accounts: Pick<AccountStore, 'getUser'>;
  polls: Pick<Store, 'getPoll' | 'getResults'>;
  /** The web app's origin: links point there. */
  publicUrl: string;
}

export class EmailChannel implements DeliveryHandler {
  readonly #host: string;
  constructor(private readonly deps: EmailChannelDeps) {
    this.#host = new URL(deps.publicUrl).hostname || 'pollcast.invalid';
  }

  async send(d: Delivery): Promise<SendOutcome> {
    const message = await this.compose(d);
    if (!message)
      return {
        ok: false,
        status: null,
        error: 'gone: the recipient or the poll no longer exists',
        durationMs: 0,
        permanent: true,
      };
    return this.deps.mailer.send(message);
  }

  /** The message of a delivery, or null when what it is about is gone. */
  async compose(d: Delivery): Promise<MailMessage | null> {
    const base = this.deps.publicUrl;
    const messageId = `<${d.id}@${this.#host}>`;
    const kind = d.eventType as EmailKind;
    switch (kind) {
      case 'password_reset': {
        const p = JSON.parse(d.payload) as EmailPayloads['password_reset'];
        const user = await this.deps.accounts.getUser(p.userId);
        if (!user || user.email !== d.target) return null;
        const token = this.deps.links.issue('reset', {
          u: user.id,
          x: d.createdAt + LINK_TTL_MS.reset,
          f: fingerprint(user.passwordHash),
        });
        const link = `${base}/reset#token=${token}`;
        return {
          to: d.target,
          messageId,
          subject: 'Reset your pollcast password',
          text: `Someone asked to reset the password of the pollcast account ${d.target}.\n\nTo choose a new password, open this link within an hour:\n\n${link}\n\nThe link works once. If you did not ask for this, ignore this message: your password stays as it is.\n`,
        };
      }
      case 'verify_email': {
        const p = JSON.parse(d.payload) as EmailPayloads['verify_email'];
        const user = await this.deps.accounts.getUser(p.userId);
        if (!user || user.email !== p.email) return null;
        const token = this.deps.links.issue('verify', {
          u: user.id,
          x: d.createdAt + LINK_TTL_MS.verify,
          f: fingerprint(p.email),
        });
        const link = `${base}/verify#token=${token}`;
        return {
          to: d.target,
          messageId,
          subject: 'Confirm your e-mail address for pollcast',
          text: `Welcome to pollcast, ${user.name}.\n\nConfirm that ${p.email} is your address by opening this link within 7 days:\n\n${link}\n`,
        };
      }
      case 'invitation': {
        const p = JSON.parse(d.payload) as EmailPayloads['invitation'];
        return {
          to: d.target,
          messageId,
          subject: oneLine(`${p.inviterName} invited you to ${p.workspaceName} on pollcast`),
          text: `${p.inviterName} invited ${d.target} to the pollcast workspace "${p.workspaceName}" as ${p.role}.\n\nTo accept, log in (or sign up) with this address and open your invitations:\n\n${base}/account?invitation=${p.invitationId}\n\nThe invitation expires on ${new Date(p.expiresAt).toISOString().slice(0, 10)}. If you do not know ${p.inviterName}, ignore this message.\n`,
        };
      }
      case 'close_summary': {
        const p = JSON.parse(d.payload) as EmailPayloads['close_summary'];
        const [poll, results] = await Promise.all([
          this.deps.polls.getPoll(p.pollId, { fresh: true }),
          this.deps.polls.getResults(p.pollId, { fresh: true }),
        ]);
        if (!poll || !results) return null;
        const text = new Map(poll.options.map((o) => [o.id, o.text]));
        const lines = results.options.map((o) => `  ${text.get(o.id) ?? o.id}: ${o.votes}`);
        return {
          to: d.target,
          messageId,
          subject: oneLine(`Poll closed: ${poll.question.slice(0, 120)}`),
          text: `The poll "${poll.question}" closed with ${results.total} voters.\n\n${lines.join('\n')}\n\nResults: ${base}/p/${poll.id}/results\n`,
        };
      }
      default:
        return null;
    }
  }
}

/** A header value from people's text: on one line. */
const oneLine = (s: string): string => s.replace(/[\r\n\t]+/g, ' ');
