/**
 * The rule `pilot randomize` applies before it records a draw: the study's design, as the analysis
 * will see it (every wave's units pooled by block), must be one the blocked difference in means can
 * estimate for every pair of arms (docs/decisions/0007-refuse-unanalysable-blocked-designs.md). Pure.
 *
 * For arms a and b, the blocked difference in means uses the blocks that hold units of both (a
 * block with one arm only has no comparison and is dropped with a warning). It estimates a variance
 * when there are two or more such blocks (Neyman within blocks of two or more units of each arm,
 * Pashley–Miratrix or Pilot's deviation rule across the others, matched pairs when blocks are
 * pairs), or when the one such block has two or more units of each arm. It cannot when no block
 * holds both arms, or when the only one that does has a single unit of an arm (a lone small block,
 * or a lone pair): that design is refused here, before anything is written or the seed revealed.
 * Every design this rule lets through is drawn exactly as before.
 *
 * @example
 * unanalysableDesign([{ blockKey: 'A', counts: [2, 1] }, { blockKey: 'B', counts: [1, 0] }], ['control', 'treatment'])
 * // => { arms: ['control', 'treatment'], blocksWithBoth: ['A'], singleArmBlocks: ['B'] }
 */
export interface DesignBlock {
  blockKey: string;
  /** units per arm, in declared arm order */
  counts: readonly number[];
}

export interface UnanalysableDesign {
  /** the two arms the blocked difference in means cannot compare */
  arms: [string, string];
  /** blocks holding units of both arms (none, or one with a single unit of an arm) */
  blocksWithBoth: string[];
  /** blocks holding units of only one of the two arms */
  singleArmBlocks: string[];
}

/** The first pair of arms (in declared order) whose blocked comparison has no variance, or null. */
export function unanalysableDesign(
  blocks: readonly DesignBlock[],
  arms: readonly string[],
): UnanalysableDesign | null {
  for (let a = 0; a < arms.length; a++) {
    for (let b = a + 1; b < arms.length; b++) {
      const both = blocks.filter((x) => x.counts[a] > 0 && x.counts[b] > 0);
      const lone = both.length === 1 && (both[0].counts[a] < 2 || both[0].counts[b] < 2);
      if (both.length > 1 || (both.length === 1 && !lone)) continue;
      return {
        arms: [arms[a], arms[b]],
        blocksWithBoth: both.map((x) => x.blockKey),
        singleArmBlocks: blocks
          .filter((x) => x.counts[a] + x.counts[b] > 0 && (x.counts[a] === 0 || x.counts[b] === 0))
          .map((x) => x.blockKey),
      };
    }
  }
  return null;
}

/**
 * Units per block and arm of the design after this draw: the units of earlier waves (late waves
 * join their blocks) and those just drawn.
 */
export function pooledBlocks(
  units: Iterable<{ blockKey: string; arm: string }>,
  arms: readonly string[],
): DesignBlock[] {
  const byKey = new Map<string, number[]>();
  const armIndex = new Map(arms.map((name, k) => [name, k]));
  for (const u of units) {
    let counts = byKey.get(u.blockKey);
    if (!counts) byKey.set(u.blockKey, (counts = arms.map(() => 0)));
    const k = armIndex.get(u.arm);
    if (k !== undefined) counts[k]++;
  }
  return [...byKey].map(([blockKey, counts]) => ({ blockKey, counts }));
}

/** The refusal's message: what cannot be estimated, which blocks, and how to fix it. */
export function unanalysableMessage(d: UnanalysableDesign, blockBy: readonly string[]): string {
  const [a, b] = d.arms;
  const quoted = (keys: string[]) => {
    const shown = keys.slice(0, 10).map((k) => `"${k}"`);
    return keys.length > 10 ? `${shown.join(', ')} and ${keys.length - 10} more` : shown.join(', ');
  };
  const what =
    d.blocksWithBoth.length === 0
      ? `no block holds units of both ${a} and ${b}`
      : `only block ${quoted(d.blocksWithBoth)} holds units of both ${a} and ${b}, and it has a single unit of one of them`;
  const alone =
    d.singleArmBlocks.length > 0 ? ` (blocks with one arm only: ${quoted(d.singleArmBlocks)})` : '';
  const fix =
    blockBy.length > 0
      ? `merge small blocks by creating the study with fewer or coarser block variables (now --block-by ${blockBy.join(',')}), or enroll more units in these blocks`
      : 'enroll more units (the study is not blocked, so all units form one block)';
  return (
    `the blocked difference in means could not estimate a variance for this design: ${what}${alone}. ` +
    `It needs two or more blocks with both arms, or one block with at least two units of each: ${fix} ` +
    `(docs/decisions/0007-refuse-unanalysable-blocked-designs.md)`
  );
}
