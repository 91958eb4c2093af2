import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';

export function renderDocument(vnode: VNode): string {
  return `<!doctype html>${render(vnode)}`;
}

export function sendHtml(reply: FastifyReply, vnode: VNode, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(renderDocument(vnode));
}
