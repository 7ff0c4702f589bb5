import type { AcceptResult, DefineResult } from '../workflow/task-types.ts';
import { clamp01, costOf, roundMinutes, type AgentContext, type PersonaAgent } from './persona-agent.ts';

/** Jordan, product manager: writes the requirements, runs the acceptance tests. */
export class SimulatedJordan implements PersonaAgent {
  async run(ctx: AgentContext): Promise<DefineResult | AcceptResult> {
    const { job, random } = ctx;
    const model = job.model.jordan;
    if (!model) throw new Error('job carries no model for jordan');
    const request = job.request;
    if (request.step === 'define') {
      const minutes = roundMinutes(random.logNormal(model.defineMinutes, 0.3));
      const requirementQuality = Math.round(clamp01(random.normal(model.requirementQuality, 0.05)) * 1000) / 1000;
      let commit: string | undefined;
      if (ctx.workspace) {
        const lines = [
          `# ${request.title}`,
          '',
          `Task: ${request.taskId}`,
          '',
          '## Requirements',
          ...(request.requirements.length > 0 ? request.requirements.map((r, i) => `${i + 1}. ${r}`) : ['1. (to be refined with the team)']),
          '',
          '## Acceptance',
          'Jordan accepts when the acceptance tests pass with no open major defect.',
          '',
        ];
        commit =
          (await ctx.workspace.findCommit(ctx.commitTag)) ??
          (await ctx.workspace.commit([{ path: 'REQUIREMENTS.md', content: lines.join('\n') }], `Define requirements for ${request.taskId}\n\n${ctx.commitTag}`));
      }
      return {
        step: 'define',
        minutes,
        requirementQuality,
        requirementCount: request.requirements.length,
        cost: costOf(model.cost, minutes),
        ...(commit ? { commit } : {}),
      };
    }
    if (request.step === 'accept') {
      const found = request.latent.filter(() => random.chance(model.acceptanceYield)).map((d) => d.id);
      const minutes = roundMinutes(random.logNormal(model.acceptMinutes, 0.3));
      const verdict = found.length > model.rejectThreshold ? 'rejected' : 'accepted';
      let commit: string | undefined;
      if (ctx.workspace) {
        const text = [`# Acceptance of ${request.taskId}`, '', `Verdict: ${verdict}`, `Defects found: ${found.length}`, ...found.map((id) => `- ${id}`), ''].join('\n');
        commit =
          (await ctx.workspace.findCommit(ctx.commitTag)) ??
          (await ctx.workspace.commit([{ path: 'ACCEPTANCE.md', content: text }], `Acceptance ${verdict} for ${request.taskId}\n\n${ctx.commitTag}`));
      }
      return { step: 'accept', minutes, found, verdict, cost: costOf(model.cost, minutes), ...(commit ? { commit } : {}) };
    }
    throw new Error(`Jordan does not perform the "${request.step}" step`);
  }
}
