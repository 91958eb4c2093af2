/** Renders a newsroom page inside the layout, with the viewer, the site name and any flash. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { sendHtml } from '../http/render.js';
import type { Services } from '../services.js';
import { NewsroomLayout, type NewsroomSection, type NewsroomViewer } from '../views/newsroom-layout.js';
import { takeFlash } from './http.js';

export interface PageOptions {
  title: string;
  section: NewsroomSection;
  scripts?: string[];
  wide?: boolean;
  status?: number;
}

export function viewerOf(request: FastifyRequest): NewsroomViewer | null {
  const s = request.staff;
  return s ? { email: s.user.email, role: s.user.role, actor: s.actor, csrf: s.csrfToken } : null;
}

export async function renderPage(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: PageOptions,
  children: ComponentChildren,
): Promise<FastifyReply> {
  const settings = await services.settings.get();
  const flash = takeFlash(request, reply);
  // Staff pages show working copies and personal data: never cache them anywhere.
  reply.header('Cache-Control', 'no-store');
  return sendHtml(
    reply,
    <NewsroomLayout
      title={opts.title}
      siteName={settings.siteName}
      viewer={viewerOf(request)}
      section={opts.section}
      flash={flash}
      scripts={opts.scripts}
      wide={opts.wide}
    >
      {children}
    </NewsroomLayout>,
    opts.status ?? 200,
  );
}
