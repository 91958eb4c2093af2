/** Desks (sections): list with a create form, and edit. Editors and admins. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Desk } from '../../desks/desks.service.js';
import type { Services } from '../../services.js';
import { formFields, isFormError, param, redirectWithFlash, staff, text } from '../http.js';
import { renderPage } from '../render.js';
import { DeskEditPage, DesksPage } from '../pages/desks.js';

export function deskHandlers(services: Services) {
  const secure = services.config.secureCookies;

  return {
    async list(request: FastifyRequest, reply: FastifyReply) {
      const desks = await services.desks.list();
      return renderPage(
        services,
        request,
        reply,
        { title: 'Desks', section: 'desks' },
        <DesksPage desks={desks} values={{ name: '', slug: '', description: '' }} csrf={staff(request).csrfToken} />,
      );
    },

    async create(request: FastifyRequest, reply: FastifyReply) {
      const fields = formFields(request.body);
      const values = { name: text(fields, 'name'), slug: text(fields, 'slug'), description: text(fields, 'description') };
      let desk: Desk;
      try {
        desk = await services.desks.create(staff(request).actor, values);
      } catch (err) {
        if (!isFormError(err)) throw err;
        const desks = await services.desks.list();
        return renderPage(
          services,
          request,
          reply,
          { title: 'Desks', section: 'desks', status: err.status },
          <DesksPage desks={desks} values={values} errors={err.details} message={err.message} csrf={staff(request).csrfToken} />,
        );
      }
      return redirectWithFlash(reply, '/newsroom/desks', { kind: 'success', text: `Desk “${desk.name}” created.` }, secure);
    },

    async edit(request: FastifyRequest, reply: FastifyReply) {
      const desk = await services.desks.getById(param(request, 'id'));
      return renderPage(
        services,
        request,
        reply,
        { title: desk.name, section: 'desks' },
        <DeskEditPage desk={desk} values={{ name: desk.name, slug: desk.slug, description: desk.description }} csrf={staff(request).csrfToken} />,
      );
    },

    async update(request: FastifyRequest, reply: FastifyReply) {
      const desk = await services.desks.getById(param(request, 'id'));
      const fields = formFields(request.body);
      const values = { name: text(fields, 'name'), slug: desk.slug, description: text(fields, 'description') };
      try {
        await services.desks.update(staff(request).actor, desk.id, { name: values.name, description: values.description });
      } catch (err) {
        if (!isFormError(err)) throw err;
        return renderPage(
          services,
          request,
          reply,
          { title: desk.name, section: 'desks', status: err.status },
          <DeskEditPage desk={desk} values={values} errors={err.details} message={err.message} csrf={staff(request).csrfToken} />,
        );
      }
      return redirectWithFlash(reply, '/newsroom/desks', { kind: 'success', text: 'Desk saved.' }, secure);
    },
  };
}
