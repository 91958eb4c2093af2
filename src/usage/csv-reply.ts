/** Sends a usage CSV export (UsageService.csvExport) as a streamed download. */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { CsvExport } from './usage.service.js';

export function sendCsv(reply: FastifyReply, exp: CsvExport): FastifyReply {
  // The name carries the range used; kind and dates were validated (daily|pages|licenses, YYYY-MM-DD), so it is header-safe.
  return reply
    .header('Content-Type', 'text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="usage-${exp.kind}-${exp.from}-to-${exp.to}.csv"`)
    .header('Cache-Control', 'no-store')
    .send(Readable.from(exp.chunks, { objectMode: false }));
}
