/**
 * Wires repositories and services to one database. Everything that needs a service gets it
 * from here, passed explicitly (no globals, no container magic).
 */
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { AuthorsService } from './authors/authors.service.js';
import { DesksService } from './desks/desks.service.js';
import { MediaService } from './media/media.service.js';
import { createSearchIndex, type SearchIndex } from './search/search.js';
import { SettingsService } from './settings/settings.service.js';
import { PublicStories } from './stories/public.js';
import { StoriesService } from './stories/stories.service.js';
import { UsersService } from './users/users.service.js';
import { ChangeTracker } from './events/change-tracker.js';
import { LicenseProfilesService } from './license-profiles/license-profiles.service.js';
import { PartnersService } from './partners/partners.service.js';
import { PixelTokens } from './usage/pixel-tokens.js';
import { UsageService } from './usage/usage.service.js';
import { Mailer } from './mail/mailer.js';
import { PartnerAccountsService } from './partners-portal/accounts.service.js';
import { PartnerAccess } from './syndication/access.js';
import { LoginLimiter } from './newsroom/login-limiter.js';
import { Signal } from './events/signal.js';
import { TipKeys } from './tips/keys.js';
import { TipStore } from './tips/store.js';
import { LicensesReader } from './licensing/licenses.js';
import { Metrics } from './metrics/metrics.js';

export interface Services {
  config: Config;
  database: Database;
  users: UsersService;
  authors: AuthorsService;
  desks: DesksService;
  stories: StoriesService;
  publicStories: PublicStories;
  settings: SettingsService;
  media: MediaService;
  search: SearchIndex;
  /** Follows the event log so caches know when public content changed (on any node). */
  changes: ChangeTracker;
  licenseProfiles: LicenseProfilesService;
  partners: PartnersService;
  pixelTokens: PixelTokens;
  /** Pixel view counting (usage.recorder) and usage queries for dashboards, CSV and the API. */
  usage: UsageService;
  /** Outgoing mail: always written to the outbox first; sent when SMTP is configured. */
  mailer: Mailer;
  /** Partner publishers' portal accounts, sessions, follows and notice preferences. */
  partnerAccounts: PartnerAccountsService;
  /** What each partner may have and its change list (content API, partner feeds). */
  partnerAccess: PartnerAccess;
  /** Failed-login counters for the newsroom and the partner portal, shared by all nodes. */
  loginLimiter: LoginLimiter;
  /** Wake-up calls for this node's delivery loops after new work is committed (see Signal). */
  signals: { webhooks: Signal; websub: Signal };
  /** The tip line's keys (public halves and passphrase-sealed secret halves) and its codename salt. */
  tipKeys: TipKeys;
  /** Tip conversations, messages and attachments: ciphertext only. */
  tipStore: TipStore;
  /** Licenses as everything that reads them sees them (writes: licensing/licenses.service.ts). */
  licenses: LicensesReader;
  /** Prometheus metrics of this instance (src/metrics): counters the hot paths add to, gauges read on scrape. */
  metrics: Metrics;
}

export function createServices(config: Config, database: Database): Services {
  const { db, dialect } = database;
  const search = createSearchIndex(db, dialect.name);
  // Services that change what readers see tell the tracker after they commit (the closures
  // run only after construction, so the mutual reference is safe).
  const publicChange = (): void => changes.bump();
  const settings = new SettingsService(db, publicChange);
  const changes = new ChangeTracker(db, config.cacheSyncIntervalMs, () => settings.invalidate());
  const usage = new UsageService(db);
  return {
    config,
    database,
    users: new UsersService(db, dialect, config.sessionTtlHours),
    authors: new AuthorsService(db, dialect, publicChange),
    desks: new DesksService(db, dialect, publicChange),
    stories: new StoriesService(db, dialect, search, publicChange),
    publicStories: new PublicStories(db, search, () => changes.current()),
    settings,
    media: new MediaService(db),
    search,
    changes,
    licenseProfiles: new LicenseProfilesService(db, dialect, publicChange),
    partners: new PartnersService(db, dialect),
    pixelTokens: new PixelTokens(db, dialect),
    usage,
    mailer: new Mailer(db, { smtpUrl: config.smtpUrl, from: config.mailFrom }),
    partnerAccounts: new PartnerAccountsService(db, dialect, config.sessionTtlHours),
    partnerAccess: new PartnerAccess(db, dialect, search),
    loginLimiter: new LoginLimiter(db, { freeFailures: config.loginRateLimitPerMinute }),
    signals: { webhooks: new Signal(), websub: new Signal() },
    tipKeys: new TipKeys(db, dialect),
    tipStore: new TipStore(db, dialect),
    licenses: new LicensesReader(db),
    metrics: new Metrics({ enabled: config.metricsToken !== undefined || config.metricsPort !== undefined, db, recorder: usage.recorder }),
  };
}
