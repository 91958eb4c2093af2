import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';

export function registerNewsroomRoutes(app: FastifyInstance, services: Services): void {
  void app;
  void services;
}
