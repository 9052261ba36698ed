/**
 * What accounts do by e-mail: password reset, address verification, invitations. Each message is
 * a delivery (src/core/delivery): stored durably here, sent by a worker with retries. With e-mail
 * off (SMTP_URL unset) nothing is stored: sign-up and invitations work without mail, and a reset
 * request is answered `email_disabled`.
 *
 * A reset request answers the same whether or not an account has the address (nothing is revealed);
 * the link it mails works once and for an hour. Verification links work for 7 days.
 */
import { AccountLinks } from '../domain/account-links.js';
import { randomId } from '../domain/ids.js';
import { PollcastError } from '../errors.js';
import type { AccountStore, Invitation } from '../ports/account-store.js';
import type { DeliveryStore } from '../ports/delivery-store.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { requireUser } from './account-service.js';
import type { Authenticator, ResolvedPrincipal } from './authenticator.js';
import { newDeliveryId } from './delivery/delivery-fanout.js';
import type { EmailKind, EmailPayloads } from './delivery/email-channel.js';
import { checkPasswordRules, hashPassword } from './passwords.js';
import { fingerprint } from '../domain/account-links.js';

export interface AccountMailOptions {
  enabled: boolean;
  /** Called after a message was stored (wakes a delivery worker in this process). */
  onEnqueued?: () => void;
}

export class AccountMail {
  readonly links: AccountLinks;
  constructor(
    private readonly store: AccountStore,
    private readonly deliveries: Pick<DeliveryStore, 'enqueue'>,
    private readonly auth: Authenticator,
    secret: string,
    private readonly opts: AccountMailOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.links = new AccountLinks(secret);
  }

  get enabled(): boolean {
    return this.opts.enabled;
  }

  async #enqueue<K extends EmailKind>(kind: K, to: string, eventId: string, payload: EmailPayloads[K]): Promise<void> {
    const added = await this.deliveries.enqueue([
      {
        id: newDeliveryId(),
        channel: 'email',
        target: to,
        eventId,
        eventType: kind,
        workspaceId: null,
        payload: JSON.stringify(payload),
        createdAt: this.clock.now(),
      },
    ]);
    if (added > 0) this.opts.onEnqueued?.();
  }

  /** Mails a reset link if an account has this address; answers the same either way. */
  async requestPasswordReset(email: string): Promise<void> {
    if (!this.opts.enabled) throw new PollcastError('email_disabled');
    const user = await this.store.getUserByEmail(email.trim().toLowerCase());
    if (!user) return;
    await this.#enqueue('password_reset', user.email, `reset_${randomId(16)}`, { userId: user.id });
  }

  /** Sets a new password with a reset link's token; ends every session of the account. */
  async resetPassword(token: string, password: string): Promise<void> {
    const checked = this.links.check('reset', token, this.clock.now());
    if (!checked.ok)
      throw new PollcastError(checked.reason === 'expired' ? 'reset_link_expired' : 'reset_link_invalid');
    const user = await this.store.getUser(checked.claims.u);
    if (!user) throw new PollcastError('reset_link_invalid');
    if (fingerprint(user.passwordHash) !== checked.claims.f) throw new PollcastError('reset_link_used');
    checkPasswordRules(password, user.email);
    if (!(await this.store.replacePasswordHash(user.id, user.passwordHash, await hashPassword(password))))
      throw new PollcastError('reset_link_used');
    await this.store.deleteUserSessions(user.id);
    this.auth.forgetUserSessions(user.id);
  }

  /** After sign-up (and on request): mails a verification link. Nothing when e-mail is off. */
  async sendVerification(user: { id: string; email: string }): Promise<void> {
    if (!this.opts.enabled) return;
    await this.#enqueue('verify_email', user.email, `verify_${user.id}_${this.clock.now()}`, {
      userId: user.id,
      email: user.email,
    });
  }

  async resendVerification(p: ResolvedPrincipal): Promise<void> {
    const u = requireUser(p);
    if (!this.opts.enabled) throw new PollcastError('email_disabled');
    if ((await this.store.getEmailVerifiedAt(u.user.id)) !== null) return;
    await this.sendVerification({ id: u.user.id, email: u.user.email });
  }

  async verifyEmail(token: string): Promise<void> {
    const now = this.clock.now();
    const checked = this.links.check('verify', token, now);
    if (!checked.ok)
      throw new PollcastError(checked.reason === 'expired' ? 'verify_link_expired' : 'verify_link_invalid');
    const user = await this.store.getUser(checked.claims.u);
    if (!user || fingerprint(user.email) !== checked.claims.f) throw new PollcastError('verify_link_invalid');
    await this.store.setEmailVerified(user.id, user.email, now);
  }

  async isVerified(userId: string): Promise<boolean> {
    return (await this.store.getEmailVerifiedAt(userId)) !== null;
  }

  /** Mails an invitation (each invite or renewal is one message). Nothing when e-mail is off. */
  async invitationSent(inv: Invitation, workspaceName: string, inviterName: string): Promise<void> {
    if (!this.opts.enabled) return;
    await this.#enqueue('invitation', inv.email, `invite_${inv.id}_${inv.createdAt}`, {
      invitationId: inv.id,
      workspaceName,
      inviterName,
      role: inv.role,
      expiresAt: inv.expiresAt,
    });
  }
}
