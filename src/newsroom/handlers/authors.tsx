/** Authors (bylines): list, create, edit, photo. Editors and admins. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LINK_KINDS, type Author, type AuthorInput } from '../../authors/authors.service.js';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { readUploadForm } from '../../http/multipart.js';
import { formFields, isFormError, param, redirectWithFlash, staff, text, type FormFields } from '../http.js';
import { renderPage } from '../render.js';
import { AuthorFormPage, AuthorsListPage, authorValues, type AuthorFormValues } from '../pages/authors.js';
import type { Errors } from '../pages/components.js';

function valuesFromForm(fields: FormFields): AuthorFormValues {
  return {
    name: text(fields, 'name'),
    slug: text(fields, 'slug'),
    title: text(fields, 'title'),
    bio: text(fields, 'bio'),
    tipsContact: text(fields, 'tipsContact'),
    links: Object.fromEntries(LINK_KINDS.map((k) => [k, text(fields, `links.${k}`)])) as AuthorFormValues['links'],
  };
}

function inputFromForm(fields: FormFields, creating: boolean): AuthorInput {
  const v = valuesFromForm(fields);
  return {
    name: v.name,
    title: v.title,
    bio: v.bio,
    tipsContact: v.tipsContact,
    links: Object.fromEntries(LINK_KINDS.map((k) => [k, v.links[k].trim()]).filter(([, value]) => value !== '')),
    ...(creating ? { slug: v.slug } : {}),
  };
}

export function authorHandlers(services: Services) {
  const secure = services.config.secureCookies;

  function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    author: Author | null,
    values: AuthorFormValues,
    opts: { errors?: Errors | undefined; message?: string | undefined; photoErrors?: Errors | undefined; photoMessage?: string | undefined; status?: number } = {},
  ) {
    return renderPage(
      services,
      request,
      reply,
      { title: author ? author.name : 'New author', section: 'authors', status: opts.status },
      <AuthorFormPage
        author={author}
        values={values}
        errors={opts.errors}
        message={opts.message}
        photoErrors={opts.photoErrors}
        photoMessage={opts.photoMessage}
        csrf={staff(request).csrfToken}
        maxUploadBytes={services.config.maxUploadBytes}
      />,
    );
  }

  return {
    async list(request: FastifyRequest, reply: FastifyReply) {
      const authors = await services.authors.list();
      return renderPage(services, request, reply, { title: 'Authors', section: 'authors' }, <AuthorsListPage authors={authors} />);
    },

    async newForm(request: FastifyRequest, reply: FastifyReply) {
      return formPage(request, reply, null, authorValues(null));
    },

    async create(request: FastifyRequest, reply: FastifyReply) {
      const fields = formFields(request.body);
      let author: Author;
      try {
        author = await services.authors.create(staff(request).actor, inputFromForm(fields, true));
      } catch (err) {
        if (!isFormError(err)) throw err;
        return formPage(request, reply, null, valuesFromForm(fields), { errors: err.details, message: err.message, status: err.status });
      }
      return redirectWithFlash(reply, `/newsroom/authors/${author.id}`, { kind: 'success', text: `Author “${author.name}” created.` }, secure);
    },

    async edit(request: FastifyRequest, reply: FastifyReply) {
      const author = await services.authors.getById(param(request, 'id'));
      return formPage(request, reply, author, authorValues(author));
    },

    async update(request: FastifyRequest, reply: FastifyReply) {
      const author = await services.authors.getById(param(request, 'id'));
      const fields = formFields(request.body);
      try {
        await services.authors.update(staff(request).actor, author.id, inputFromForm(fields, false));
      } catch (err) {
        if (!isFormError(err)) throw err;
        return formPage(request, reply, author, valuesFromForm(fields), { errors: err.details, message: err.message, status: err.status });
      }
      return redirectWithFlash(reply, `/newsroom/authors/${author.id}`, { kind: 'success', text: 'Author saved.' }, secure);
    },

    async uploadPhoto(request: FastifyRequest, reply: FastifyReply) {
      const s = staff(request);
      // The form first: its CSRF token is checked before anything else is done for the request.
      const { file } = await readUploadForm(request, 'photo');
      const author = await services.authors.getById(param(request, 'id'));
      try {
        if (!file) throw new AppError('VALIDATION', 'Choose an image to upload', { details: { photo: ['choose an image file'] } });
        const media = await services.media.store(s.actor, { filename: file.filename, data: file.data, alt: `Photo of ${author.name}` });
        await services.authors.update(s.actor, author.id, { photoMediaId: media.id });
      } catch (err) {
        if (!isFormError(err)) throw err;
        const photoErrors = err.details ? { photo: Object.values(err.details).flat() } : undefined;
        return formPage(request, reply, author, authorValues(author), { photoErrors, photoMessage: err.message, status: err.status });
      }
      return redirectWithFlash(reply, `/newsroom/authors/${author.id}`, { kind: 'success', text: 'Photo updated.' }, secure);
    },

    async removePhoto(request: FastifyRequest, reply: FastifyReply) {
      const author = await services.authors.getById(param(request, 'id'));
      await services.authors.update(staff(request).actor, author.id, { photoMediaId: null });
      return redirectWithFlash(reply, `/newsroom/authors/${author.id}`, { kind: 'success', text: 'Photo removed.' }, secure);
    },
  };
}
