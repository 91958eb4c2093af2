/** Admin API schemas of the recipients ledger (documented in OpenAPI, checked in tests). */
import { Type } from '@sinclair/typebox';

const Time = Type.String({ format: 'date-time' });

export const StoryRecipient = Type.Object({
  partner: Type.Object({ id: Type.String(), outlet: Type.String() }),
  channels: Type.Array(Type.Union([Type.Literal('api'), Type.Literal('feed'), Type.Literal('webhook'), Type.Literal('pixel')]), {
    description: 'How the story reached the partner: content API, partner feed, a delivered webhook, or pixel hits from its pages.',
  }),
  deliveredVersion: Type.Union([Type.String(), Type.Null()], { description: 'The story version last handed to the partner (null when only a pixel counted it).' }),
  deliveredAt: Type.Union([Time, Type.Null()], { description: 'When it last reached the partner, across channels (a pixel hit counts as its day).' }),
  acknowledgedAt: Type.Union([Time, Type.Null()], { description: 'When the partner acknowledged the latest correction or withdrawal.' }),
  noticeSentAt: Type.Union([Time, Type.Null()], { description: 'When that correction or withdrawal was emailed (or last re-sent).' }),
});

export const StoryRecipients = Type.Object({ items: Type.Array(StoryRecipient) });
