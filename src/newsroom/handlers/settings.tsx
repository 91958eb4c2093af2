/** Site settings and logo: admin only. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { readUploadForm } from '../../http/multipart.js';
import { formFields, isFormError, optionalText, redirectWithFlash, staff } from '../http.js';
import { renderPage } from '../render.js';
import type { Errors } from '../pages/components.js';
import { SettingsPage, settingsValues, type SettingsValues } from '../pages/settings.js';

const KEYS = ['siteName', 'tagline', 'language', 'syndicationNotice', 'tipsContact', 'licensingContact'] as const;

export function settingsHandlers(services: Services) {
  const secure = services.config.secureCookies;

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    opts: { values?: SettingsValues; errors?: Errors | undefined; message?: string; logoErrors?: Errors | undefined; logoMessage?: string; status?: number } = {},
  ) {
    const settings = await services.settings.get();
    return renderPage(
      services,
      request,
      reply,
      { title: 'Site settings', section: 'settings', status: opts.status },
      <SettingsPage
        settings={settings}
        values={opts.values ?? settingsValues(settings)}
        errors={opts.errors}
        message={opts.message}
        logoErrors={opts.logoErrors}
        logoMessage={opts.logoMessage}
        csrf={staff(request).csrfToken}
        maxUploadBytes={services.config.maxUploadBytes}
      />,
    );
  }

  return {
    async show(request: FastifyRequest, reply: FastifyReply) {
      return page(request, reply);
    },

    async update(request: FastifyRequest, reply: FastifyReply) {
      const fields = formFields(request.body);
      const current = settingsValues(await services.settings.get());
      // Fields missing from the form are left as they are (a partial form never blanks a setting).
      const values = Object.fromEntries(KEYS.map((k) => [k, optionalText(fields, k) ?? current[k]])) as unknown as SettingsValues;
      try {
        await services.settings.update(staff(request).actor, values);
      } catch (err) {
        if (!isFormError(err)) throw err;
        return page(request, reply, { values, errors: err.details, message: err.message, status: err.status });
      }
      return redirectWithFlash(reply, '/newsroom/settings', { kind: 'success', text: 'Settings saved. The site shows them now.' }, secure);
    },

    async uploadLogo(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const { file } = await readUploadForm(request, 'logo');
      try {
        if (!file) throw new AppError('VALIDATION', 'Choose an image to upload', { details: { logo: ['choose an image file'] } });
        const settings = await services.settings.get();
        const media = await services.media.store(s.actor, { filename: file.filename, data: file.data, alt: settings.siteName });
        await services.settings.update(s.actor, { logoMediaId: media.id });
      } catch (err) {
        if (!isFormError(err)) throw err;
        const logoErrors = err.details ? { logo: Object.values(err.details).flat() } : undefined;
        return page(request, reply, { logoErrors, logoMessage: err.message, status: err.status });
      }
      return redirectWithFlash(reply, '/newsroom/settings', { kind: 'success', text: 'Logo updated.' }, secure);
    },

    async removeLogo(request: FastifyRequest, reply: FastifyReply) {
      await services.settings.update(staff(request).actor, { logoMediaId: null });
      return redirectWithFlash(reply, '/newsroom/settings', { kind: 'success', text: 'Logo removed: the site shows its name instead.' }, secure);
    },
  };
}
