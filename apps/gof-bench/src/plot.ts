/** A small SVG line plot of rejection rate vs σ, one polyline per method (no plotting dependency needed for a few lines). */
export function powerCurveSvg(
  summary: {
    label: string;
    power: Record<
      string,
      { sigma: number; rate: number; trials: number; wilson95?: [number, number] }[]
    >;
  },
  xLabel = 'perturbation σ',
): string {
  const W = 640;
  const H = 400;
  const m = { l: 56, r: 170, t: 36, b: 48 };
  const all = Object.values(summary.power).flat();
  const sMax = Math.max(0.001, ...all.map((p) => p.sigma));
  const x = (s: number) => m.l + (s / sMax) * (W - m.l - m.r);
  const y = (r: number) => H - m.b - r * (H - m.t - m.b);
  const colors = [
    '#1b9e77',
    '#d95f02',
    '#7570b3',
    '#e7298a',
    '#66a61e',
    '#e6ab02',
    '#a6761d',
    '#666',
  ];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="20" font-size="13">${escapeXml(summary.label)}</text>`,
    `<line x1="${m.l}" y1="${y(0)}" x2="${W - m.r}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${y(0)}" x2="${m.l}" y2="${y(1)}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${y(0.05)}" x2="${W - m.r}" y2="${y(0.05)}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${W - m.r + 4}" y="${y(0.05) + 4}" fill="#999">α = 0.05</text>`,
  ];
  for (const r of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<text x="${m.l - 8}" y="${y(r) + 4}" text-anchor="end">${r}</text>`);
  }
  const ticks = [...new Set(all.map((p) => p.sigma))].sort((a, b) => a - b);
  for (const s of ticks) {
    out.push(
      `<text x="${x(s)}" y="${H - m.b + 16}" text-anchor="middle" font-size="10">${s}</text>`,
    );
  }
  out.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  );
  out.push(
    `<text x="16" y="${(m.t + H - m.b) / 2}" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})" text-anchor="middle">rejection rate</text>`,
  );
  Object.entries(summary.power).forEach(([method, pts], i) => {
    const c = colors[i % colors.length];
    const path = pts.map((p) => `${x(p.sigma).toFixed(1)},${y(p.rate).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${path}" fill="none" stroke="${c}" stroke-width="2"/>`);
    const dx = (i - (Object.keys(summary.power).length - 1) / 2) * 3; // spread the bars of a σ
    for (const p of pts) {
      out.push(`<circle cx="${x(p.sigma)}" cy="${y(p.rate)}" r="3" fill="${c}"/>`);
      if (p.wilson95) {
        // the 95% Wilson interval of the rate
        const bx = (x(p.sigma) + dx).toFixed(1);
        out.push(
          `<line x1="${bx}" y1="${y(p.wilson95[0]).toFixed(1)}" x2="${bx}" y2="${y(p.wilson95[1]).toFixed(1)}" stroke="${c}" stroke-opacity="0.6"/>`,
        );
      }
    }
    const ly = m.t + 16 * i;
    out.push(
      `<line x1="${W - m.r + 10}" y1="${ly}" x2="${W - m.r + 30}" y2="${ly}" stroke="${c}" stroke-width="2"/>`,
    );
    out.push(`<text x="${W - m.r + 34}" y="${ly + 4}">${escapeXml(method)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escapeXml(s: string): string {
  return s.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string,
  );
}
