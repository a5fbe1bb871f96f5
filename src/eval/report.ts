/** Self-contained HTML report (no external assets): success tables with intervals, frame strips. */
import type { EvalSummary } from './rollout.ts';

export interface WorldSection {
  world: string;
  description: string;
  successRule: string;
  heldoutDiffers: string;
  task: string;
  rows: EvalSummary[];
  /** PNG data URIs of one episode, in order. */
  strip: string[];
  stripCaption: string;
}

export interface ReportInput {
  title: string;
  subtitle: string;
  sections: WorldSection[];
  footer: string;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function bar(s: EvalSummary): string {
  // Success as a bar with its 95 % interval drawn as a whisker.
  const w = 160;
  return `<svg width="${w}" height="14" role="img" aria-label="${pct(s.success_rate)}">
<rect x="0" y="2" width="${w}" height="10" fill="#eee"/>
<rect x="0" y="2" width="${(w * s.success_rate).toFixed(1)}" height="10" fill="#3a7bd5"/>
<line x1="${(w * s.ci95[0]).toFixed(1)}" x2="${(w * s.ci95[1]).toFixed(1)}" y1="7" y2="7" stroke="#111" stroke-width="2"/></svg>`;
}

export function renderReport(r: ReportInput): string {
  const sections = r.sections.map((s) => `
<section>
  <h2>${esc(s.world)}</h2>
  <p>${esc(s.description)}. Instruction: <em>"${esc(s.task)}"</em>.<br>
  Success: ${esc(s.successRule)}. Held-out scenes differ in: ${esc(s.heldoutDiffers)}.</p>
  <table>
    <tr><th>policy</th><th>split</th><th>episodes</th><th>success</th><th>95% CI</th><th></th><th>mean steps</th><th>successes / robot-hour</th><th>ms / action</th><th>compute $ / success</th></tr>
    ${s.rows.map((x) => `<tr><td>${esc(x.policy)}</td><td>${esc(x.split)}</td><td>${x.episodes}</td><td>${pct(x.success_rate)}</td>
      <td>${pct(x.ci95[0])}–${pct(x.ci95[1])}</td><td>${bar(x)}</td><td>${x.mean_episode_steps.toFixed(1)}</td>
      <td>${x.throughput_per_hour.toFixed(0)}</td><td>${(1000 * x.seconds_per_action).toFixed(2)}</td>
      <td>${x.compute.cost_per_success_usd === null ? '—' : '$' + x.compute.cost_per_success_usd.toExponential(1)}</td></tr>`).join('\n')}
  </table>
  <div class="strip">${s.strip.map((src) => `<img src="${src}" width="96" height="96" alt="frame">`).join('')}</div>
  <p class="caption">${esc(s.stripCaption)}</p>
</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
.strip img{image-rendering:pixelated;margin-right:4px;border:1px solid #ccc}.caption{color:#666;font-size:12px}
</style></head><body>
<h1>${esc(r.title)}</h1><p>${esc(r.subtitle)}</p>
${sections}
<footer><p class="caption">${esc(r.footer)}</p></footer>
</body></html>
`;
}
