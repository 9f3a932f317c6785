import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { type InteractionView, OidcInteractionService } from '#src/modules/oidc/oidc-interaction.service.js';
import { ConsentPages } from '../consent/consent-pages.service.js';
import type { ConsentFormDto, SecondFactorFormDto, SignInFormDto } from '../dto/page-forms.dto.js';
import type { PageAnswer } from '../rendering/page.js';
import { SignInFlow, type SignInStep, type SignInView } from '../sign-in/sign-in-flow.service.js';

const base = (uid: string): string => `/oidc/interaction/${encodeURIComponent(uid)}`;

/**
 * The pages of the provider's interaction: the hosted sign-in (SignInFlow, our login use case)
 * whose session is handed to the provider, and the consent page of third-party clients.
 */
@Injectable()
export class OidcInteractionPages {
  constructor(
    private readonly interactions: OidcInteractionService,
    private readonly flow: SignInFlow,
    private readonly consentPages: ConsentPages,
  ) {}

  async page(uid: string, request: FastifyRequest, reply: FastifyReply): Promise<PageAnswer> {
    const view = await this.view(uid, request, reply);
    if (view.prompt === 'consent') {
      return this.consentPages.page(request, reply, {
        action: `${base(uid)}/consent`,
        clientName: view.client.name,
        scopes: view.scopes,
      });
    }
    return this.flow.page(request, reply, signInView(view));
  }

  async password(
    uid: string,
    request: FastifyRequest,
    reply: FastifyReply,
    form: SignInFormDto,
    meta: RequestMeta,
  ): Promise<PageAnswer> {
    const view = await this.view(uid, request, reply);
    const step = await this.flow.submitPassword(request, reply, form, meta, signInView(view));
    return this.finish(request, reply, step);
  }

  async secondFactor(
    uid: string,
    request: FastifyRequest,
    reply: FastifyReply,
    form: SecondFactorFormDto,
    meta: RequestMeta,
  ): Promise<PageAnswer> {
    const view = await this.view(uid, request, reply);
    const step = await this.flow.submitSecondFactor(request, reply, form, meta, signInView(view));
    return this.finish(request, reply, step);
  }

  async consent(uid: string, request: FastifyRequest, reply: FastifyReply, form: ConsentFormDto): Promise<PageAnswer> {
    await this.view(uid, request, reply);
    return { redirect: await this.interactions.consent(request.raw, reply.raw, form.decision === 'allow') };
  }

  private async finish(request: FastifyRequest, reply: FastifyReply, step: SignInStep): Promise<PageAnswer> {
    if ('page' in step) return step.page;
    const to = await this.interactions.finishSignIn(
      request.raw,
      reply.raw,
      step.signedIn.userId,
      step.signedIn.sessionId,
    );
    return { redirect: to };
  }

  /** The interaction of this browser (its cookie), and it must be the one of the URL. */
  private async view(uid: string, request: FastifyRequest, reply: FastifyReply): Promise<InteractionView> {
    const view = await this.interactions.details(request.raw, reply.raw);
    if (view.uid !== uid) throw new AppException('OAUTH_1004');
    return view;
  }
}

const signInView = (view: InteractionView): SignInView => ({
  action: `${base(view.uid)}/login`,
  secondFactorAction: `${base(view.uid)}/second-factor`,
  clientName: view.client.name,
  clientId: view.client.clientId,
});
