/**
 * The source's pages: /tips (what we can protect, and the form), the codename shown once, and
 * /tips/check (replies and follow-ups). Every page works without JavaScript; with it,
 * /assets/tips/source.js encrypts in the browser before anything is sent. Nothing here loads
 * from another origin.
 */
import type { ComponentChildren } from 'preact';
import type { SiteContext } from '../../site/context.js';
import { humanDateTime } from '../../site/context.js';
import { SiteLayout } from '../../views/site-layout.js';
import type { TipKeyInfo } from '../keys.js';
import type { SourceReply } from '../source.service.js';
import { MAX_ATTACHMENTS, megabytes } from '../source.service.js';
import { FORM_TOKEN_FIELD } from '../form-token.js';

export interface TipLimits {
  maxBytes: number;
}

const head = (withScript: boolean) => (
  <>
    <link rel="stylesheet" href="/assets/tips/tips.css" />
    {withScript && <script type="module" src="/assets/tips/source.js" />}
  </>
);

function TipFrame(props: { ctx: SiteContext; title: string; path: string; script?: boolean; indexable?: boolean; children: ComponentChildren }) {
  return (
    <SiteLayout
      ctx={props.ctx}
      title={props.title}
      description={`Send ${props.ctx.settings.siteName} a confidential tip.`}
      path={props.path}
      // The tip page itself should be found; codenames, replies and errors never.
      {...(props.indexable ? {} : { robots: 'noindex, nofollow' })}
      head={head(props.script ?? false)}
      bodyClass="tips-body"
    >
      <div class="container-narrow tips">{props.children}</div>
    </SiteLayout>
  );
}

function Alert({ message }: { message: string | undefined }) {
  return (
    <div class="tip-alert" role="alert" id="tip-alert" hidden={!message} tabIndex={-1}>
      {message && <p>{message}</p>}
    </div>
  );
}

function OtherContacts({ ctx }: { ctx: SiteContext }) {
  const contact = ctx.settings.tipsContact;
  return contact ? (
    <p>
      Meanwhile you can reach us at <strong>{contact}</strong>. Bear in mind that email and phone are not confidential: providers keep copies and
      records of who contacted whom.
    </p>
  ) : (
    <p>Meanwhile, contact a reporter you trust directly, in person if what you know is sensitive.</p>
  );
}

/** What the newsroom can and cannot protect: said plainly, before anyone writes a word. */
function Protection({ limits }: { limits: TipLimits }) {
  return (
    <section class="tip-section" aria-labelledby="tip-protect">
      <h2 id="tip-protect">What we can and cannot protect</h2>
      <ul class="tip-list">
        <li>
          <strong>Confidential, not anonymous.</strong> Your message and files are encrypted so that only our editors, with the newsroom’s key, can read
          them. Our server does not record your address, your browser or the page you came from, and sets no cookies. But on this ordinary website, your
          internet provider, your employer’s network and anyone watching them can see that you visited us.
        </li>
        <li>
          <strong>For anonymity, use Tor Browser</strong> (torproject.org), on a device and network that are not your employer’s, and never from a work
          computer.
        </li>
        <li>
          <strong>Files can identify you.</strong> With JavaScript on, your browser removes hidden metadata (camera, location, author) from JPEG, PNG and
          WebP images before encrypting them. It cannot do so for other kinds of files (PDFs, office documents, videos): check or convert them first.
        </li>
        <li>
          <strong>Without JavaScript</strong> (Tor Browser’s “Safest” level) the form still works, but then your message reaches our server in readable form
          over HTTPS and our server encrypts it on arrival, in memory, before anything is stored. That trusts our server more.
        </li>
        <li>
          Up to {MAX_ATTACHMENTS} attachments, {megabytes(limits.maxBytes)} in all.
        </li>
      </ul>
    </section>
  );
}

function Fingerprint({ tipKey }: { tipKey: TipKeyInfo }) {
  return (
    <p class="tip-fingerprint">
      Newsroom key fingerprint: <code>{tipKey.fingerprint}</code>. If you have it from another source (our printed paper, a colleague), compare it.
    </p>
  );
}

/** The message form, shared by /tips and the follow-up form. */
export function MessageForm(props: {
  action: string;
  tipKey: TipKeyInfo;
  token: string;
  limits: TipLimits;
  codename?: string | undefined;
  text?: string | undefined;
  error?: string | undefined;
  submitLabel: string;
}) {
  const { tipKey, limits } = props;
  return (
    <form
      method="post"
      action={props.action}
      enctype="multipart/form-data"
      class="tip-form"
      data-tip-form={props.codename ? 'follow-up' : 'tip'}
      data-key-id={tipKey.id}
      data-public-key={tipKey.publicKey}
      data-max-bytes={String(limits.maxBytes)}
      data-max-files={String(MAX_ATTACHMENTS)}
    >
      {/* The one-time token must be the first field: it is checked before any file is read. */}
      <input type="hidden" name={FORM_TOKEN_FIELD} value={props.token} />
      {props.codename && <input type="hidden" name="codename" value={props.codename} />}
      <Alert message={props.error} />
      <div class="field">
        <label for="tip-message">Your message</label>
        <p class="hint" id="tip-message-hint">
          What happened, who is involved, how you know, and how we could check it. Do not include your name unless you want us to know it.
        </p>
        <textarea id="tip-message" name="message" rows={10} aria-describedby="tip-message-hint" maxLength={100_000}>
          {props.text ?? ''}
        </textarea>
      </div>
      <div class="field">
        <label for="tip-files">Attachments (optional)</label>
        <p class="hint" id="tip-files-hint">
          Up to {MAX_ATTACHMENTS} files, {megabytes(limits.maxBytes)} in all.
        </p>
        <input id="tip-files" type="file" name="attachments" multiple aria-describedby="tip-files-hint tip-files-notes" />
        <ul class="tip-file-notes" id="tip-files-notes" aria-live="polite"></ul>
      </div>
      <p class="tip-mode" id="tip-mode" data-mode="server">
        JavaScript is off or has not loaded: our server will encrypt your message the moment it arrives, before storing it.
      </p>
      <div class="tip-progress" hidden>
        <progress max={100} value={0} aria-labelledby="tip-progress-label"></progress>
        <p id="tip-progress-label" role="status"></p>
      </div>
      <button type="submit">{props.submitLabel}</button>
    </form>
  );
}

export function SubmitPage(props: { ctx: SiteContext; tipKey: TipKeyInfo | undefined; token: string; limits: TipLimits; text?: string; error?: string }) {
  const { ctx, tipKey } = props;
  return (
    <TipFrame ctx={ctx} title="Send us a tip" path="/tips" script={Boolean(tipKey)} indexable={!props.error}>
      <div class="page-header">
        <h1>Send us a tip</h1>
        <p class="tip-lede">Tell {ctx.settings.siteName} what you know. This page is built to keep what you send confidential.</p>
      </div>
      <Protection limits={props.limits} />
      {tipKey ? (
        <section class="tip-section" aria-labelledby="tip-send" id="tip-send-section">
          <h2 id="tip-send">Your tip</h2>
          <MessageForm action="/tips" tipKey={tipKey} token={props.token} limits={props.limits} text={props.text} error={props.error} submitLabel="Encrypt and send" />
          <Fingerprint tipKey={tipKey} />
          {/* What source.js shows after sending: the same markup as the page without JavaScript. */}
          <template id="tip-codename-template">
            <CodenameSection codename="" />
          </template>
        </section>
      ) : (
        <section class="tip-section tip-closed" aria-labelledby="tip-closed">
          <h2 id="tip-closed">Tips are not yet accepted here</h2>
          {props.error && (
            <div class="tip-alert" role="alert">
              <p>{props.error}</p>
            </div>
          )}
          <p>This newsroom has not set up its tip line’s encryption key yet, so this page cannot take tips.</p>
          <OtherContacts ctx={ctx} />
        </section>
      )}
      <section class="tip-section" aria-labelledby="tip-next">
        <h2 id="tip-next">What happens next</h2>
        <ol class="tip-list">
          <li>
            After you send, we show you a <strong>codename</strong> of seven words, once. Write it down or keep it somewhere safe: we cannot show it
            again or recover it.
          </li>
          <li>
            Come back to <a href="/tips/check">Check for replies</a> with your codename to read our answers and to send more. Nobody but you can read
            our replies.
          </li>
        </ol>
      </section>
    </TipFrame>
  );
}

export function CodenameSection({ codename, level = 2 }: { codename: string; level?: 1 | 2 }) {
  const Heading = level === 1 ? 'h1' : 'h2';
  return (
    <section class="tip-codename" aria-labelledby="tip-received">
      <Heading id="tip-received" tabIndex={-1}>
        Your tip was received
      </Heading>
      <p>This is your codename. It is shown only this once.</p>
      <p class="codename-row">
        <output class="codename" id="tip-codename" aria-label="Your codename">
          {codename}
        </output>
        <button type="button" class="tip-copy" data-copy="tip-codename" hidden>
          Copy codename
        </button>
        <span class="tip-copied" role="status"></span>
      </p>
      <ul class="tip-list">
        <li>Write it down on paper, or keep it in a password manager. Do not save it where someone else could find it.</li>
        <li>
          With it you can read our replies and send more at <a href="/tips/check">/tips/check</a>. Check back in a few days.
        </li>
        <li>We cannot recover a lost codename: we never stored it.</li>
      </ul>
    </section>
  );
}

export function CodenamePage({ ctx, codename }: { ctx: SiteContext; codename: string }) {
  return (
    <TipFrame ctx={ctx} title="Your tip was received" path="/tips" script>
      <CodenameSection codename={codename} level={1} />
    </TipFrame>
  );
}

export function CheckPage({ ctx, problem, value }: { ctx: SiteContext; problem?: string | undefined; value?: string | undefined }) {
  return (
    <TipFrame ctx={ctx} title="Check for replies" path="/tips/check">
      <div class="page-header">
        <h1>Check for replies</h1>
        <p class="tip-lede">Enter the codename you were given when you sent your tip.</p>
      </div>
      <form method="post" action="/tips/check" class="tip-form tip-check-form" novalidate>
        <div class={problem ? 'field field-invalid' : 'field'}>
          <label for="tip-codename-input">Your codename</label>
          <p class="hint" id="tip-codename-hint">
            Seven words, separated by spaces.
          </p>
          {problem && (
            <p class="field-error" id="tip-codename-error">
              <span class="visually-hidden">Error: </span>
              {problem}
            </p>
          )}
          <input
            id="tip-codename-input"
            type="text"
            name="codename"
            value={value ?? ''}
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            maxLength={200}
            aria-invalid={problem ? 'true' : undefined}
            aria-describedby={problem ? 'tip-codename-error tip-codename-hint' : 'tip-codename-hint'}
          />
        </div>
        <button type="submit">Show replies</button>
      </form>
      <p>
        No codename yet? <a href="/tips">Send a tip</a>.
      </p>
    </TipFrame>
  );
}

/** The conversation as the codename holder sees it: the same shape whether or not one exists. */
export function ConversationPage(props: {
  ctx: SiteContext;
  replies: SourceReply[] | undefined;
  tipKey: TipKeyInfo | undefined;
  token: string;
  codename: string;
  limits: TipLimits;
  notice?: string | undefined;
  error?: string | undefined;
  text?: string | undefined;
}) {
  const { ctx, replies, tipKey } = props;
  const lang = ctx.settings.language;
  return (
    <TipFrame ctx={ctx} title="Your conversation" path="/tips/check" script={Boolean(tipKey)}>
      <div class="page-header">
        <h1>Your conversation</h1>
      </div>
      {props.notice && (
        <p class="tip-notice" role="status">
          {props.notice}
        </p>
      )}
      {replies && (
        <section class="tip-section" aria-labelledby="tip-replies">
          <h2 id="tip-replies">Replies from the newsroom</h2>
          {replies.length === 0 ? (
            <p>No replies yet. Check back in a few days.</p>
          ) : (
            <ol class="tip-replies">
              {replies.map((r) => (
                <li class="tip-reply">
                  <p class="tip-reply-meta">Reply written around {humanDateTime(r.at, lang)}</p>
                  {r.text === undefined ? <p>This reply could not be decrypted.</p> : <div class="tip-reply-text">{r.text}</div>}
                </li>
              ))}
            </ol>
          )}
          <p class="hint">
            Your own messages are not shown: they are encrypted to the newsroom’s key, and this server cannot read them.
          </p>
        </section>
      )}
      <section class="tip-section" aria-labelledby="tip-follow-up">
        <h2 id="tip-follow-up">Send more</h2>
        {tipKey ? (
          <MessageForm
            action="/tips/check/follow-up"
            tipKey={tipKey}
            token={props.token}
            limits={props.limits}
            codename={props.codename}
            text={props.text}
            error={props.error}
            submitLabel="Encrypt and send"
          />
        ) : (
          <p>This newsroom is not accepting messages through this page at the moment.</p>
        )}
      </section>
      <p>
        When you are done, close this tab. <a href="/tips/check">Check another codename</a>.
      </p>
    </TipFrame>
  );
}

export function TipErrorPage({ ctx, status, message }: { ctx: SiteContext; status: number; message: string }) {
  return (
    <TipFrame ctx={ctx} title={status === 429 ? 'Too many attempts' : 'Your message was not sent'} path="/tips">
      <div class="page-header">
        <h1>{status === 429 ? 'Too many attempts' : status === 404 ? 'Page not found' : 'Something needs your attention'}</h1>
      </div>
      <div class="tip-alert" role="alert">
        <p>{message}</p>
      </div>
      <p>
        <a href="/tips">Back to the tip form</a> · <a href="/tips/check">Check for replies</a>
      </p>
    </TipFrame>
  );
}
