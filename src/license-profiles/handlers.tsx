/** Newsroom handlers for license profiles: list, create, edit or view, and set the default. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldErrors } from '../errors.js';
import type { Services } from '../services.js';
import { can } from '../users/permissions.js';
import { formFields, isFormError, list, param, redirectWithFlash, staff, text, type FormFields } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import type { LicenseProfile, LicenseProfileInput } from './license-profiles.service.js';
import {
  emptyProfileValues,
  LicenseProfilesPage,
  profileValues,
  ProfileFormPage,
  ProfileViewPage,
  REQUIREMENTS,
  type ProfileFormValues,
} from './pages/license-profiles.js';

const LIST_URL = '/newsroom/license-profiles';

function valuesFromForm(fields: FormFields): ProfileFormValues {
  return {
    name: text(fields, 'name'),
    slug: text(fields, 'slug'),
    audience: text(fields, 'audience'),
    allowedEdits: text(fields, 'allowedEdits'),
    creditTemplate: text(fields, 'creditTemplate'),
    requirements: list(fields, 'requirements'),
    delayHours: text(fields, 'delayHours'),
    searchEngines: text(fields, 'searchEngines'),
    ccLicenseUrl: text(fields, 'ccLicenseUrl'),
    terms: text(fields, 'terms'),
  };
}

/**
 * The form always shows every condition box, so an unticked box (which browsers do not send)
 * means "no". An empty delay means none; anything else goes to the service to judge.
 */
function inputFromValues(v: ProfileFormValues, creating: boolean): LicenseProfileInput {
  const input: LicenseProfileInput = {
    name: v.name,
    audience: v.audience,
    allowedEdits: v.allowedEdits,
    creditTemplate: v.creditTemplate,
    delayHours: v.delayHours.trim() === '' ? 0 : v.delayHours.trim(),
    searchEngines: v.searchEngines,
    ccLicenseUrl: v.ccLicenseUrl === '' ? null : v.ccLicenseUrl,
    terms: v.terms,
  };
  if (creating) input.slug = v.slug;
  for (const r of REQUIREMENTS) input[r] = v.requirements.includes(r);
  return input;
}

/** Service field names for the booleans → the checkbox group they live in on the form. */
function mapErrors(details: FieldErrors | undefined): FieldErrors | undefined {
  if (!details) return undefined;
  const out: FieldErrors = {};
  for (const [k, msgs] of Object.entries(details)) {
    const key = (REQUIREMENTS as readonly string[]).includes(k) ? 'requirements' : k;
    (out[key] ??= []).push(...msgs);
  }
  return out;
}

export function licenseProfileHandlers(services: Services) {
  const secure = services.config.secureCookies;
  const profiles = services.licenseProfiles;

  async function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    profile: LicenseProfile | null,
    values: ProfileFormValues,
    opts: { errors?: FieldErrors | undefined; message?: string | undefined; status?: number } = {},
  ) {
    const isDefault = profile ? (await profiles.defaultProfile()).id === profile.id : false;
    return renderPage(
      services,
      request,
      reply,
      { title: profile ? profile.name : 'New license profile', section: 'licenses', status: opts.status },
      <ProfileFormPage profile={profile} isDefault={isDefault} values={values} errors={opts.errors} message={opts.message} csrf={staff(request).csrfToken} />,
    );
  }

  return {
    async list(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const [all, fallback] = await Promise.all([profiles.list(), profiles.defaultProfile()]);
      return renderPage(
        services,
        request,
        reply,
        { title: 'License profiles', section: 'licenses' },
        <LicenseProfilesPage profiles={all} defaultId={fallback.id} canManage={can(s.actor, 'settings.manage')} csrf={s.csrfToken} />,
      );
    },

    async newForm(request: FastifyRequest, reply: FastifyReply) {
      return renderForm(request, reply, null, emptyProfileValues());
    },

    async create(request: FastifyRequest, reply: FastifyReply) {
      const values = valuesFromForm(formFields(request.body));
      let created: LicenseProfile;
      try {
        created = await profiles.create(staff(request).actor, inputFromValues(values, true));
      } catch (err) {
        if (!isFormError(err)) throw err;
        return renderForm(request, reply, null, values, { errors: mapErrors(err.details), message: err.message, status: err.status });
      }
      return redirectWithFlash(reply, LIST_URL, { kind: 'success', text: `License profile “${created.name}” created.` }, secure);
    },

    /** Admins get the form; editors a read-only view of the same terms. */
    async show(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      const profile = await profiles.get(param(request, 'id'));
      if (can(s.actor, 'settings.manage')) return renderForm(request, reply, profile, profileValues(profile));
      const isDefault = (await profiles.defaultProfile()).id === profile.id;
      return renderPage(services, request, reply, { title: profile.name, section: 'licenses' }, <ProfileViewPage profile={profile} isDefault={isDefault} />);
    },

    async update(request: FastifyRequest, reply: FastifyReply) {
      const profile = await profiles.get(param(request, 'id'));
      const values = { ...valuesFromForm(formFields(request.body)), slug: profile.slug };
      try {
        await profiles.update(staff(request).actor, profile.id, inputFromValues(values, false));
      } catch (err) {
        if (!isFormError(err)) throw err;
        return renderForm(request, reply, profile, values, { errors: mapErrors(err.details), message: err.message, status: err.status });
      }
      return redirectWithFlash(reply, `${LIST_URL}/${profile.id}`, { kind: 'success', text: 'License profile saved. Every story under it follows the new terms.' }, secure);
    },

    async setDefault(request: FastifyRequest, reply: FastifyReply) {
      const profile = await profiles.get(param(request, 'id'));
      await profiles.setDefault(staff(request).actor, profile.id);
      return redirectWithFlash(reply, LIST_URL, { kind: 'success', text: `“${profile.name}” is now the default: stories without a profile of their own follow it.` }, secure);
    },
  };
}
