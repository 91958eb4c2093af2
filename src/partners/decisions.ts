/**
 * The program's decisions with their consequences: a status change, the invitation that goes
 * with an approval, and the email telling the applicant. The newsroom pages and the Admin API
 * both come through here, so an approval made either way sends the same invitation.
 *
 * The email row is written in the same transaction as the decision (an approval never exists
 * without its invitation mail, nor the reverse); sending happens after the commit.
 */
import { SECRET_PLACEHOLDER } from '../mail/mailer.js';
import type { Services } from '../services.js';
import { SYSTEM_ACTOR, type Actor } from '../users/permissions.js';
import { formatUtc } from '../newsroom/pages/components.js';
import type { ApplicationInput, Partner } from './partners.service.js';

export interface Decision {
  partner: Partner;
  /**
   * Approvals of a partner without a login yet: the link the email carries. Returned to the
   * caller once and never stored in the clear (the outbox keeps a placeholder).
   */
  invitationUrl: string | null;
  /** The outbox row of the email telling the applicant. */
  mailId: string;
}

export function invitationPath(token: string): string {
  return `/partners/invite/${token}`;
}

async function context(services: Services) {
  const settings = await services.settings.get();
  return { site: settings.siteName, base: services.config.publicUrl, licensing: settings.licensingContact };
}

function signOff(site: string): string {
  return `—\n${site}`;
}

export async function approvePartner(services: Services, actor: Actor, id: string): Promise<Decision> {
  const { site, base } = await context(services);
  let invitationUrl: string | null = null;
  let mailId = '';
  const partner = await services.partners.approve(actor, id, async (trx, p) => {
    // A suspended partner being reinstated already has its logins: they work again at once.
    const hasLogin = await trx.selectFrom('partner_users').select('id').where('partner_id', '=', p.id).executeTakeFirst();
    if (hasLogin) {
      mailId = await services.mailer.enqueue(trx, {
        to: p.email,
        subject: `Your republishing access to ${site} is restored`,
        text: [
          `Hello ${p.contactName},`,
          '',
          `${p.outlet} may republish stories from ${site} again. Your partner logins, API keys and feeds work as before:`,
          `${base}/partners`,
          '',
          `The republishing terms: ${base}/republish`,
          '',
          signOff(site),
        ].join('\n'),
      });
      return;
    }
    const inv = await services.partners.createInvitation(p.id, trx);
    invitationUrl = `${base}${invitationPath(inv.token)}`;
    mailId = await services.mailer.enqueue(trx, {
      to: inv.email,
      subject: `${p.outlet} is approved to republish ${site} stories`,
      text: [
        `Hello ${p.contactName},`,
        '',
        `Good news: ${p.outlet} is approved to republish stories from ${site}.`,
        '',
        `Set up your partner login with this link. It works once, and until ${formatUtc(inv.expiresAt)}:`,
        SECRET_PLACEHOLDER,
        '',
        'In your partner dashboard you can create API keys, choose the desks and topics you follow, and copy a ready-to-paste snippet for every story you may republish.',
        '',
        `The republishing terms: ${base}/republish`,
        '',
        signOff(site),
      ].join('\n'),
      // Editors read the outbox; the link is a credential for the partner alone.
      secret: invitationUrl,
    });
  });
  services.mailer.flushLater([mailId]);
  return { partner, invitationUrl, mailId };
}

export async function rejectPartner(services: Services, actor: Actor, id: string, reason: unknown): Promise<Decision> {
  const { site, base, licensing } = await context(services);
  let mailId = '';
  const partner = await services.partners.reject(actor, id, reason, async (trx, p) => {
    mailId = await services.mailer.enqueue(trx, {
      to: p.email,
      subject: `Your application to republish ${site} stories`,
      text: [
        `Hello ${p.contactName},`,
        '',
        `Thank you for applying to republish stories from ${site}. We cannot approve ${p.outlet} at this time.`,
        '',
        'The reason:',
        p.decisionReason ?? '',
        '',
        `If things change, for example your audience grows, you are welcome to apply again: ${base}/republish`,
        ...(licensing ? ['', `You can also license our reporting: ${licensing}`] : []),
        '',
        signOff(site),
      ].join('\n'),
    });
  });
  services.mailer.flushLater([mailId]);
  return { partner, invitationUrl: null, mailId };
}

export async function suspendPartner(services: Services, actor: Actor, id: string, reason?: unknown): Promise<Decision> {
  const { site, base, licensing } = await context(services);
  let mailId = '';
  const partner = await services.partners.suspend(actor, id, reason, async (trx, p) => {
    mailId = await services.mailer.enqueue(trx, {
      to: p.email,
      subject: `Your republishing access to ${site} is suspended`,
      text: [
        `Hello ${p.contactName},`,
        '',
        `${p.outlet}'s access to ${site} stories is suspended: your API keys and partner feeds no longer work, and you should not republish new stories until the newsroom restores access.`,
        ...(p.decisionReason ? ['', 'The reason:', p.decisionReason] : []),
        '',
        `Questions? Reply to this email${licensing ? ` or contact ${licensing}` : ''}.`,
        `The republishing terms: ${base}/republish`,
        '',
        signOff(site),
      ].join('\n'),
    });
  });
  services.mailer.flushLater([mailId]);
  return { partner, invitationUrl: null, mailId };
}

/**
 * Files an application. When the admin has turned manual review off, an application that passes
 * every rule is approved on the spot (and invited); otherwise it waits for an editor.
 */
export async function submitApplication(services: Services, input: ApplicationInput): Promise<Partner> {
  const partner = await services.partners.apply(input);
  if (partner.eligibility.eligible && !partner.eligibility.manualReview) {
    return (await approvePartner(services, SYSTEM_ACTOR, partner.id)).partner;
  }
  return partner;
}
