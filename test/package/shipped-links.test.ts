// The npm package ships what its Markdown links to: every relative link in a shipped .md file
// (README, docs/, SECURITY.md, BENCHMARKS.md, the simulator's and the manifests' READMEs) names a
// file, or a directory with files, in `npm pack`'s list. Without this a reader of the installed
// package's README follows links to nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** The files `npm pack` would put in the tarball (scripts skipped: nothing is built for a list). */
function packed(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [info] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set(info!.files.map((f) => f.path));
}

/** Relative link targets of a Markdown file, resolved from the package root, without anchors. */
function links(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split('#')[0]!;
    if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    out.push(normalize(join(dirname(file), decodeURIComponent(target))).replace(/\/$/, ''));
  }
  return out;
}

describe('npm package', () => {
  const files = packed();

  it('ships the documents its README links to', () => {
    for (const f of ['README.md', 'SECURITY.md', 'BENCHMARKS.md', 'docs/operations.md', 'docs/recovery.md', 'src/simulator/README.md', '.env.example']) expect(files, f).toContain(f);
  });

  it('every relative link of every shipped Markdown file leads to a shipped file', () => {
    const markdown = [...files].filter((f) => f.endsWith('.md'));
    expect(markdown.length).toBeGreaterThan(4);
    const missing: string[] = [];
    for (const md of markdown) {
      for (const target of links(md)) {
        if (!existsSync(join(ROOT, target))) missing.push(`${md} → ${target} (not in the repository either)`);
        else if (!files.has(target) && ![...files].some((f) => f.startsWith(`${target}/`))) missing.push(`${md} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
