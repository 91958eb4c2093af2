/**
 * /newsroom/license-profiles: editors (who review partners) may read the terms; only admins
 * (settings.manage) change them. The service checks the permission again on every write.
 */
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { requireStaffPage } from '../http/auth.js';
import { verifyCsrf } from '../http/csrf.js';
import { requirePermission } from '../newsroom/http.js';
import type { Services } from '../services.js';
import { licenseProfileHandlers } from './handlers.js';

export async function registerLicenseProfileRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const h = licenseProfileHandlers(services);
  const guard = (...handlers: preHandlerHookHandler[]) => ({ preHandler: handlers });
  const view = guard(requireStaffPage, requirePermission('partners.review'));
  const manage = guard(requireStaffPage, requirePermission('settings.manage'));
  const change = guard(requireStaffPage, verifyCsrf, requirePermission('settings.manage'));

  app.get('/newsroom/license-profiles', view, h.list);
  app.get('/newsroom/license-profiles/new', manage, h.newForm);
  app.post('/newsroom/license-profiles', change, h.create);
  app.get('/newsroom/license-profiles/:id', view, h.show);
  app.post('/newsroom/license-profiles/:id', change, h.update);
  app.post('/newsroom/license-profiles/:id/default', change, h.setDefault);
}
