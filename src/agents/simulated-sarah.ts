import type { ReviewResult } from '../workflow/task-types.ts';
import { costOf, roundMinutes, type AgentContext, type PersonaAgent } from './persona-agent.ts';

/** Sarah, engineering manager: reviews the change, approves or asks for changes. */
export class SimulatedSarah implements PersonaAgent {
  async run(ctx: AgentContext): Promise<ReviewResult> {
    const { job, random } = ctx;
    const model = job.model.sarah;
    if (!model) throw new Error('job carries no model for sarah');
    const request = job.request;
    if (request.step !== 'review') throw new Error(`Sarah does not perform the "${request.step}" step`);
    const found = request.latent.filter(() => random.chance(model.reviewYield)).map((d) => d.id);
    const nitpick = found.length === 0 && random.chance(model.nitpickRate);
    const verdict = found.length > model.approveThreshold || nitpick ? 'changes_requested' : 'approved';
    const minutes = roundMinutes(Math.max(10, (request.size / model.reviewRate) * 60) * random.logNormal(1, 0.2));
    let commit: string | undefined;
    if (ctx.workspace) {
      const text = [
        `# Review of ${request.taskId}, round ${request.round + 1}`,
        '',
        `Verdict: ${verdict === 'approved' ? 'approved' : 'changes requested'}`,
        `Reviewed: ${request.size} LOC in ${minutes} min`,
        '',
        '## Findings',
        ...(found.length > 0 ? found.map((id) => `- ${id}`) : [nitpick ? '- design: please restructure before merging' : '- none']),
        '',
      ].join('\n');
      commit =
        (await ctx.workspace.findCommit(ctx.commitTag)) ??
        (await ctx.workspace.commit([{ path: `reviews/round-${request.round + 1}.md`, content: text }], `Review round ${request.round + 1} of ${request.taskId}: ${verdict}\n\n${ctx.commitTag}`));
    }
    return { step: 'review', minutes, found, verdict, cost: costOf(model.cost, minutes), ...(commit ? { commit } : {}) };
  }
}
