import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { PrincipalRole } from '../auth/principal.js';
import { IS_PUBLIC, MFA_ENROLLMENT_EXEMPT, ROLES, SERVICE_TOKEN } from './auth.decorators.js';

/** What the access decorators say of one route (method over class, as getAllAndOverride reads them). */
export interface RouteAccess {
  isPublic: boolean;
  serviceToken: 'required' | 'allowed' | undefined;
  roles: readonly PrincipalRole[] | undefined;
  mfaEnrollmentExempt: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- handlers and controller classes are plain functions
type Target = Function;

/**
 * The access metadata of each route, read with the Reflector once per (handler, controller)
 * and kept: decorators are fixed at start, so the global guards need not read four metadata
 * keys through the Reflector on every request (each getAllAndOverride walks the handler and
 * the class). Every route, present and future, is covered: the cache fills on first use.
 */
export class RouteAccessCache {
  private readonly byHandler = new WeakMap<Target, WeakMap<Target, RouteAccess>>();

  constructor(private readonly reflector: Reflector) {}

  of(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byClass = this.byHandler.get(handler);
    if (byClass === undefined) {
      byClass = new WeakMap();
      this.byHandler.set(handler, byClass);
    }
    let access = byClass.get(controller);
    if (access === undefined) {
      access = this.read([handler, controller]);
      byClass.set(controller, access);
    }
    return access;
  }

  private read(targets: [Target, Target]): RouteAccess {
    const get = <T>(key: string): T | undefined => this.reflector.getAllAndOverride<T | undefined>(key, targets);
    return Object.freeze({
      isPublic: get<boolean>(IS_PUBLIC) === true,
      serviceToken: get<'required' | 'allowed'>(SERVICE_TOKEN),
      roles: get<PrincipalRole[]>(ROLES),
      mfaEnrollmentExempt: get<boolean>(MFA_ENROLLMENT_EXEMPT) === true,
    });
  }
}
