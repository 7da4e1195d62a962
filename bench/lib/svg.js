// A small SVG line chart for the bench (no dependency): rates over time, reference lines, and
// tick marks for events such as 429s. The output is a plain file BENCHMARKS.md links to.

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n) => (Math.round(n * 10) / 10).toString();

/**
 * @param {{
 *   title: string,
 *   xLabel?: string, yLabel?: string,
 *   series: Array<{ name: string, points: Array<[number, number]>, dash?: boolean, marks?: number[] }>,
 *   hlines?: Array<{ y: number, label: string }>,
 *   width?: number, height?: number,
 * }} chart  points are [x, y]; marks are x positions drawn as ticks under the plot in the series' colour
 * @returns {string} the SVG document
 */
export function lineChart(chart) {
  const width = chart.width ?? 760;
  const height = chart.height ?? 400;
  // The legend sits between the title and the plot, three series a row.
  const legendRows = Math.ceil(chart.series.length / 3);
  const m = { left: 56, right: 16, top: 30 + 14 * legendRows, bottom: 64 + 12 * chart.series.filter((s) => s.marks?.length).length };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...chart.series.flatMap((s) => s.points.map((p) => p[1])), ...(chart.hlines ?? []).map((h) => h.y)];
  const xMax = niceCeil(Math.max(1, ...xs));
  const yMax = niceCeil(Math.max(1, ...ys) * 1.1);
  const X = (x) => m.left + (x / xMax) * plotW;
  const Y = (y) => m.top + plotH - (y / yMax) * plotH;

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(chart.title)}</text>`);
  // Grid and axes.
  for (const y of ticks(yMax)) {
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${num(Y(y))}" y2="${num(Y(y))}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${num(Y(y) + 4)}" text-anchor="end">${y}</text>`);
  }
  for (const x of ticks(xMax)) {
    out.push(`<line x1="${num(X(x))}" x2="${num(X(x))}" y1="${m.top}" y2="${m.top + plotH}" stroke="#f4f4f4"/>`);
    out.push(`<text x="${num(X(x))}" y="${m.top + plotH + 14}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  if (chart.xLabel) out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 28}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  if (chart.yLabel) out.push(`<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  for (const h of chart.hlines ?? []) {
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${num(Y(h.y))}" y2="${num(Y(h.y))}" stroke="#555" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${m.left + plotW - 4}" y="${num(Y(h.y) - 4)}" text-anchor="end" fill="#555">${esc(h.label)}</text>`);
  }
  // Lines, then the marks rows, then the legend.
  let row = 0;
  chart.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    if (s.points.length) {
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${num(X(p[0]))} ${num(Y(p[1]))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    }
    if (s.marks?.length) {
      const y = m.top + plotH + 36 + row * 12;
      out.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end" fill="${color}">429</text>`);
      for (const x of s.marks) out.push(`<line x1="${num(X(x))}" x2="${num(X(x))}" y1="${y - 4}" y2="${y + 4}" stroke="${color}"/>`);
      row++;
    }
  });
  chart.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const x = m.left + 8 + (i % 3) * 230;
    const y = 36 + Math.floor(i / 3) * 14;
    out.push(`<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"${s.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${x + 22}" y="${y}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

function ticks(max) {
  const raw = max / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * p).find((s) => s >= raw) ?? 10 * p;
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
  return out;
}
