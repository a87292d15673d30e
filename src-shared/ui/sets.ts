// Set algebra of misclassified test images between two runs: which digits only A gets wrong,
// only B, and both. Inputs are test-image indices (any order, duplicates ignored); outputs are
// sorted ascending.

export interface MisclassifiedSets {
  onlyA: number[];
  onlyB: number[];
  both: number[];
}

function checkIndices(xs: readonly number[], which: string): void {
  for (const x of xs) if (!Number.isInteger(x) || x < 0) throw new RangeError(`${which}: image indices must be whole numbers ≥ 0 (got ${x}).`);
}

export function misclassifiedSets(wrongA: readonly number[], wrongB: readonly number[]): MisclassifiedSets {
  checkIndices(wrongA, 'Run A');
  checkIndices(wrongB, 'Run B');
  const a = new Set(wrongA);
  const b = new Set(wrongB);
  const onlyA: number[] = [];
  const onlyB: number[] = [];
  const both: number[] = [];
  for (const x of a) (b.has(x) ? both : onlyA).push(x);
  for (const x of b) if (!a.has(x)) onlyB.push(x);
  const asc = (x: number, y: number) => x - y;
  return { onlyA: onlyA.sort(asc), onlyB: onlyB.sort(asc), both: both.sort(asc) };
}

/** Indices where predicted ≠ label (the two arrays are per test image). */
export function wrongIndices(labels: ArrayLike<number>, predicted: ArrayLike<number>): number[] {
  if (labels.length !== predicted.length) throw new RangeError(`labels and predictions differ in length (${labels.length} vs ${predicted.length}).`);
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== predicted[i]) out.push(i);
  return out;
}
