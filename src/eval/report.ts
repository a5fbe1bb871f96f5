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
  /** The world model trained on this world, when the demo trained one. */
  worldModel?: WorldModelSection;
}

/** What a trained JEPA world model did on a world: prediction quality, a dream strip, compute. */
export interface WorldModelSection {
  /** Latent error ÷ copy-last error after k predicted steps (held-out data). */
  kStep: { k: number; ratio: number }[];
  shuffledRatio: { k: number; ratio: number } | null;
  probe: { targets: string[]; encoded: number; predicted: number };
  effectiveRank: number;
  latentDim: number;
  lossCurve: { step: number; teacher: number; rollout: number }[];
  dream: { real: string[]; dream: string[]; caption: string };
  /** Training stages and planning: FLOPs, seconds, $. */
  compute: { name: string; flops: number; seconds: number; usd: number }[];
  costPerSuccess: number | null;
  notes: string;
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

/** A small line chart (inline SVG) of named series over shared x values; log scales optional. */
export function lineChart(series: { name: string; colour: string; points: [number, number][]; dashed?: boolean }[], opts: { xLabel: string; yLabel: string; logX?: boolean; logY?: boolean; width?: number; height?: number }): string {
  const W = opts.width ?? 320, H = opts.height ?? 180, L = 44, B = 30, T = 10, R = 10;
  const fx = (x: number) => (opts.logX ? Math.log10(x) : x), fy = (y: number) => (opts.logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return '';
  let [x0, x1] = [Math.min(...pts.map((p) => fx(p[0]))), Math.max(...pts.map((p) => fx(p[0])))];
  let [y0, y1] = [Math.min(...pts.map((p) => fy(p[1]))), Math.max(...pts.map((p) => fy(p[1])))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  if (!opts.logY) y0 = Math.min(0, y0);
  const sx = (x: number) => L + ((fx(x) - x0) / (x1 - x0)) * (W - L - R), sy = (y: number) => H - B - ((fy(y) - y0) / (y1 - y0)) * (H - B - T);
  const fmt = (v: number) => {
    const a = Math.abs(v);
    if (a >= 100 && a < 1e6) return Math.round(v).toString();
    return a >= 1e6 || (a < 0.01 && v !== 0) ? v.toExponential(0) : Number(v.toPrecision(2)).toString();
  };
  const lines = series.map((s) => `<polyline fill="none" stroke="${s.colour}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`).join('');
  const legend = series.map((s, i) => `<text x="${L + 6}" y="${T + 12 + 13 * i}" font-size="11" fill="${s.colour}">${esc(s.name)}</text>`).join('');
  const yTicks = [y0, (y0 + y1) / 2, y1].map((v) => { const val = opts.logY ? 10 ** v : v; return `<text x="${L - 4}" y="${sy(val) + 4}" font-size="10" text-anchor="end">${fmt(val)}</text>`; }).join('');
  const xVals = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const xTicks = (xVals.length <= 8 ? xVals : [xVals[0]!, xVals[xVals.length >> 1]!, xVals[xVals.length - 1]!]).map((v) => `<text x="${sx(v)}" y="${H - B + 14}" font-size="10" text-anchor="middle">${fmt(v)}</text>`).join('');
  return `<svg width="${W}" height="${H}" role="img" aria-label="${esc(opts.yLabel)} vs ${esc(opts.xLabel)}">
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#999"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#999"/>
${lines}${legend}${yTicks}${xTicks}
<text x="${(L + W - R) / 2}" y="${H - 3}" font-size="11" text-anchor="middle">${esc(opts.xLabel)}</text>
<text x="11" y="${(T + H - B) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 11 ${(T + H - B) / 2})">${esc(opts.yLabel)}</text></svg>`;
}

function worldModelHtml(m: WorldModelSection): string {
  const kChart = lineChart([
    { name: 'world model', colour: '#3a7bd5', points: m.kStep.map((p) => [p.k, p.ratio]) },
    { name: 'copy last frame', colour: '#999', dashed: true, points: m.kStep.map((p) => [p.k, 1]) },
  ], { xLabel: 'steps predicted (k)', yLabel: 'latent error ÷ copy-last', logX: true });
  const lossChart = lineChart([
    { name: 'teacher-forced', colour: '#3a7bd5', points: m.lossCurve.map((p) => [p.step, p.teacher]) },
    { name: 'rollout', colour: '#d5573a', points: m.lossCurve.map((p) => [p.step, p.rollout]) },
  ], { xLabel: 'training step', yLabel: 'latent prediction loss', logY: true });
  const img = (src: string) => `<img src="${src}" width="80" height="80" alt="frame">`;
  return `<h3>JEPA world model</h3>
  <p>${esc(m.notes)}</p>
  <div class="charts">${kChart}${lossChart}</div>
  <p>Linear probe R² of ${esc(m.probe.targets.join(', '))}: encoded ${m.probe.encoded.toFixed(3)}, predicted ${m.probe.predicted.toFixed(3)}.
  ${m.shuffledRatio ? `Error with shuffled actions ÷ true actions (k = ${m.shuffledRatio.k}): ${m.shuffledRatio.ratio.toFixed(1)}×.` : ''}
  Effective rank of the latents: ${m.effectiveRank.toFixed(1)} of ${m.latentDim}.</p>
  <p><b>Dream vs reality</b></p>
  <div class="strip">${m.dream.real.map(img).join('')}</div>
  <div class="strip">${m.dream.dream.map(img).join('')}</div>
  <p class="caption">${esc(m.dream.caption)}</p>
  <table><tr><th>compute</th><th>FLOPs</th><th>seconds</th><th>$</th></tr>
  ${m.compute.map((c) => `<tr><td>${esc(c.name)}</td><td>${c.flops.toExponential(2)}</td><td>${c.seconds.toFixed(1)}</td><td>${c.usd.toExponential(1)}</td></tr>`).join('\n')}
  </table>
  <p>Planning compute per held-out success: ${m.costPerSuccess === null ? '— (no successes)' : '$' + m.costPerSuccess.toExponential(1)}; training + planning for this world: $${m.compute.reduce((a, c) => a + c.usd, 0).toExponential(1)} (the seed's reference: $0.50–2.00 of compute per generated 30-second video).</p>`;
}

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
  ${s.worldModel ? worldModelHtml(s.worldModel) : ''}
</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
.strip img{image-rendering:pixelated;margin-right:4px;border:1px solid #ccc}.charts svg{margin-right:16px}.caption{color:#666;font-size:12px}
</style></head><body>
<h1>${esc(r.title)}</h1><p>${esc(r.subtitle)}</p>
${sections}
<footer><p class="caption">${esc(r.footer)}</p></footer>
</body></html>
`;
}
