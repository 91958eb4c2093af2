/**
 * The events partners can receive by webhook, with the sentence the API docs and the portal show
 * for each. `webhook.test` is sent only on request and cannot be subscribed to.
 */
export const WEBHOOK_EVENT_TYPES = [
  'story.published',
  'story.updated',
  'story.corrected',
  'story.withdrawn',
  'story.embargo_lifted',
  'story.released',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'story.published': 'A story became available to you (embargoed stories arrive as pubstatus withheld).',
  'story.updated': 'A story you may have changed (an update note says what).',
  'story.corrected': 'A story you may have was corrected: update your copy and show the correction.',
  'story.withdrawn': 'A story you may have was withdrawn: take it down.',
  'story.embargo_lifted': 'An embargoed story may now be published.',
  'story.released': 'A story held back from the free program for a delay is now available to you.',
};

export const WEBHOOK_TEST_TYPE = 'webhook.test';

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
