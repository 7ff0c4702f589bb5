import { estimateWithProbe } from '../probe/index.ts';
import type { EstimateResult, ImplementResult, SizeMeasure } from '../workflow/task-types.ts';
import type { FileChange } from '../workspace/git-workspace.ts';
import { generateSource, modifyLines } from './code-writer.ts';
import { injectDefects } from './defect-model.ts';
import { costOf, roundMinutes, TransientStepError, type AgentContext, type PersonaAgent } from './persona-agent.ts';
import { createRandom } from '../prng.ts';

/** Alex, senior developer: plans with PROBE, implements, fixes review findings. */
export class SimulatedAlex implements PersonaAgent {
  async run(ctx: AgentContext): Promise<EstimateResult | ImplementResult> {
    const { job, random } = ctx;
    const model = job.model.alex;
    if (!model) throw new Error('job carries no model for alex');
    const request = job.request;
    if (model.transientFailureRate > 0) {
      const attemptRandom = createRandom(job.seed, request.taskId, request.step, request.round, 'attempt', ctx.attempt);
      if (attemptRandom.chance(model.transientFailureRate)) throw new TransientStepError(`simulated transient failure in ${request.step} (attempt ${ctx.attempt + 1})`);
    }

    if (request.step === 'estimate') {
      const proxySize = Math.max(1, Math.round(request.proxySize * random.logNormal(model.estimationBias, model.estimationSigma)));
      const estimate = estimateWithProbe({ history: request.history, proxySize, judgmentProductivity: model.productivity });
      const minutes = roundMinutes(random.logNormal(model.planMinutes, 0.3));
      return { step: 'estimate', minutes, estimate, cost: costOf(model.cost, minutes) };
    }

    if (request.step === 'implement') {
      const size = Math.max(5, Math.round(request.proxySize * random.logNormal(model.sizeGrowth, model.sizeGrowthSigma)));
      const productivity = random.logNormal(model.productivity, model.productivitySigma);
      const minutes = roundMinutes((size / productivity) * 60);
      const rate = model.defectRate * (1 + 0.5 * (1 - request.requirementQuality));
      const injected = injectDefects(random, random.poisson((rate * size) / 1000), {
        idPrefix: `${request.taskId}-r0`,
        phaseInjected: 'code',
        fixMinutesMedian: model.fixMinutes,
      });
      // The source text is only made for a workspace (its draws are the step's last: none follows them).
      const files = ctx.workspace ? generateSource(random, request.taskId, size) : [];
      const measured = await this.write(ctx, files, `Implement ${request.taskId}`, { added: size, modified: 0 });
      return { step: 'implement', minutes, size: measured.size, injected, fixed: [], cost: costOf(model.cost, minutes), ...(measured.commit ? { commit: measured.commit } : {}) };
    }

    if (request.step === 'fix') {
      let minutes = 0;
      let modified = 0;
      const pending = new Map<string, string>();
      for (const defect of request.toFix) {
        minutes += defect.fixMinutes;
        const lines = random.int(3, 12);
        modified += lines;
        if (ctx.workspace) modifyLines(random, ctx.workspace.dir, request.taskId, lines, defect.id, pending);
      }
      minutes = roundMinutes(minutes + 5);
      const badFixes = request.toFix.filter(() => random.chance(model.badFixRate)).length;
      const injected = injectDefects(random, badFixes, {
        idPrefix: `${request.taskId}-r${request.round}`,
        phaseInjected: 'rework',
        fixMinutesMedian: model.fixMinutes,
      });
      const measured = await this.write(
        ctx,
        [...pending].map(([path, content]) => ({ path, content })),
        `Fix review findings of ${request.taskId} (round ${request.round})`,
        { added: 0, modified },
      );
      return {
        step: 'fix',
        minutes,
        size: measured.size,
        injected,
        fixed: request.toFix.map((d) => d.id),
        cost: costOf(model.cost, minutes),
        ...(measured.commit ? { commit: measured.commit } : {}),
      };
    }
    throw new Error(`Alex does not perform the "${request.step}" step`);
  }

  /** Commits the change and measures it with git; in workspace mode `none` the model's size stands. */
  private async write(ctx: AgentContext, files: FileChange[], subject: string, modelled: { added: number; modified: number }): Promise<{ size: SizeMeasure; commit?: string }> {
    if (!ctx.workspace) {
      return { size: { added: modelled.added, modified: modelled.modified, deleted: 0, addedModified: modelled.added + modelled.modified, measuredBy: 'model' } };
    }
    const commit = (await ctx.workspace.findCommit(ctx.commitTag)) ?? (await ctx.workspace.commit(files, `${subject}\n\n${ctx.commitTag}`));
    const stat = await ctx.workspace.numstat(commit);
    const modified = Math.min(stat.added, stat.deleted);
    return {
      commit,
      size: { added: stat.added - modified, modified, deleted: stat.deleted - modified, addedModified: stat.added, measuredBy: 'git' },
    };
  }
}
