/**
 * Every staff URL, in one list (as Miniflux's ui.go). Handlers live in ./handlers, pages in
 * ./pages. The scope this is registered in has already resolved the session (request.staff).
 *
 * Guards, in the order they run:
 *   page      requireStaffPage                      (GET pages: log in first)
 *   form      requireStaffPage, verifyCsrf          (every state-changing form)
 *   json      requireStaffJson, verifyCsrf          (editor script: 401 JSON, not a redirect)
 *   …By(p)    the same plus a role check for pages only some roles may open
 */
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { registerUploadParsing, verifyUploadCsrf } from '../http/multipart.js';
import type { Services } from '../services.js';
import type { Permission } from '../users/permissions.js';
import { accountHandlers } from './handlers/account.js';
import { auditHandlers } from './handlers/audit.js';
import { authHandlers } from './handlers/auth.js';
import { authorHandlers } from './handlers/authors.js';
import { deskHandlers } from './handlers/desks.js';
import { settingsHandlers } from './handlers/settings.js';
import { storyHandlers } from './handlers/stories.js';
import { userHandlers } from './handlers/users.js';
import { versionHandlers } from './handlers/versions.js';
import { registerNewsroomErrors } from './errors.js';
import { recipientHandlers } from '../notices/newsroom.js';
import { requirePermission, requireStaffJson } from './http.js';

export function registerNewsroomRoutes(app: FastifyInstance, services: Services): void {
  registerNewsroomErrors(app, services);

  const auth = authHandlers(services);
  const stories = storyHandlers(services);
  const versions = versionHandlers(services);
  const authors = authorHandlers(services);
  const desks = deskHandlers(services);
  const users = userHandlers(services);
  const account = accountHandlers(services);
  const settings = settingsHandlers(services);
  const audit = auditHandlers(services);
  const recipients = recipientHandlers(services);

  const guard = (...handlers: preHandlerHookHandler[]) => ({ preHandler: handlers });
  const page = guard(requireStaffPage);
  const form = guard(requireStaffPage, verifyCsrf);
  const json = guard(requireStaffJson, verifyCsrf);
  const pageBy = (p: Permission) => guard(requireStaffPage, requirePermission(p));
  const formBy = (p: Permission) => guard(requireStaffPage, verifyCsrf, requirePermission(p));
  // Uploads: session and role first, then the CSRF header or (in the handler) the form's first field.
  const uploadBy = (p: Permission) => guard(requireStaffPage, requirePermission(p), verifyUploadCsrf);

  // ---- session --------------------------------------------------------------------------------
  app.get('/newsroom/login', auth.form);
  // Failed logins are slowed per (account, address) and per address by services.loginLimiter,
  // inside the handler: it counts failures only, shared by all nodes.
  app.post('/newsroom/login', { preHandler: [verifyCsrf] }, auth.login);
  app.post('/newsroom/logout', form, auth.logout);
  app.post('/newsroom/logout-everywhere', form, auth.logoutEverywhere);

  // ---- stories --------------------------------------------------------------------------------
  app.get('/newsroom', page, stories.dashboard);
  app.get('/newsroom/stories', page, stories.list);
  app.get('/newsroom/stories/new', page, stories.newForm);
  app.post('/newsroom/stories', form, stories.create);
  app.get('/newsroom/stories/:id', page, stories.edit);
  app.post('/newsroom/stories/:id', form, stories.save);
  app.post('/newsroom/stories/:id/autosave', json, stories.autosave);
  app.post('/newsroom/preview', json, stories.preview);
  app.post('/newsroom/stories/:id/publish', form, stories.publish);
  app.post('/newsroom/stories/:id/schedule', form, stories.schedule);
  app.post('/newsroom/stories/:id/unschedule', form, stories.unschedule);
  app.post('/newsroom/stories/:id/update', form, stories.update);
  app.post('/newsroom/stories/:id/correct', form, stories.correct);
  app.post('/newsroom/stories/:id/withdraw', form, stories.withdraw);
  app.get('/newsroom/stories/:id/preview', page, versions.readerPreview);
  app.get('/newsroom/stories/:id/versions', page, versions.list);
  app.get('/newsroom/stories/:id/versions/:n', page, versions.show);
  app.post('/newsroom/stories/:id/versions/:n/restore', form, versions.restore);
  app.get('/newsroom/stories/:id/recipients', pageBy('partners.review'), recipients.page);
  app.post('/newsroom/stories/:id/recipients/:partnerId/resend', formBy('partners.review'), recipients.resend);

  // ---- authors and desks (editors, admins) ----------------------------------------------------
  app.get('/newsroom/authors', pageBy('authors.manage'), authors.list);
  app.get('/newsroom/authors/new', pageBy('authors.manage'), authors.newForm);
  app.post('/newsroom/authors', formBy('authors.manage'), authors.create);
  app.get('/newsroom/authors/:id', pageBy('authors.manage'), authors.edit);
  app.post('/newsroom/authors/:id', formBy('authors.manage'), authors.update);
  app.post('/newsroom/authors/:id/photo/remove', formBy('authors.manage'), authors.removePhoto);
  app.get('/newsroom/desks', pageBy('desks.manage'), desks.list);
  app.post('/newsroom/desks', formBy('desks.manage'), desks.create);
  app.get('/newsroom/desks/:id', pageBy('desks.manage'), desks.edit);
  app.post('/newsroom/desks/:id', formBy('desks.manage'), desks.update);

  // ---- users (admins) -------------------------------------------------------------------------
  app.get('/newsroom/users', pageBy('users.manage'), users.list);
  app.post('/newsroom/users', formBy('users.manage'), users.create);
  app.get('/newsroom/users/:id', pageBy('users.manage'), users.edit);
  app.post('/newsroom/users/:id', formBy('users.manage'), users.update);
  app.post('/newsroom/users/:id/status', formBy('users.manage'), users.setStatus);
  app.post('/newsroom/users/:id/password', formBy('users.manage'), users.resetPassword);
  app.post('/newsroom/users/:id/tokens/revoke', formBy('users.manage'), users.revokeTokens);
  app.post('/newsroom/users/:id/tips', formBy('users.manage'), users.setTipsAccess);

  // ---- own account (everyone) -----------------------------------------------------------------
  app.get('/newsroom/account', page, account.show);
  app.post('/newsroom/account/password', form, account.changePassword);
  app.post('/newsroom/account/tokens', form, account.createToken);
  app.post('/newsroom/account/tokens/:id/revoke', form, account.revokeToken);

  // ---- site settings (admins) and audit log (editors, admins) ---------------------------------
  app.get('/newsroom/settings', pageBy('settings.manage'), settings.show);
  app.post('/newsroom/settings', formBy('settings.manage'), settings.update);
  app.post('/newsroom/settings/logo/remove', formBy('settings.manage'), settings.removeLogo);
  app.get('/newsroom/audit', pageBy('audit.read'), audit.list);

  // ---- uploads: the only routes that accept multipart/form-data (src/http/multipart.ts) ---------
  void app.register(async (uploads) => {
    await registerUploadParsing(uploads, { fileSize: services.config.maxUploadBytes });
    uploads.post('/newsroom/authors/:id/photo', uploadBy('authors.manage'), authors.uploadPhoto);
    uploads.post('/newsroom/settings/logo', uploadBy('settings.manage'), settings.uploadLogo);
  });
}
