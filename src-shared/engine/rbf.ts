// The RBF output layer's fixed prototypes (LeCun et al. 1998, section II-B and Fig. 3) as data.
//
// Each of the ten output units computes the squared Euclidean distance between F6's 84 outputs
// and its class's prototype, a ±1 vector that is a stylised 7×12 bitmap of the digit: F6 unit
// r·7 + c is pixel (row r, column c). The paper draws its prototypes as pictures (its Fig. 3,
// the ASCII set) but does not publish them as numbers, so these were drawn by hand for this
// project on the same 7-wide, 12-high grid: '#' (ink) is +1, '.' (background) is −1. They are
// fixed: no gradient reaches them. Any two differ in at least 17 of the 84 pixels
// (tests/engine/arch.test.ts), so each class's prototype is far from the others'.
//
// The loss (the paper's equation 9, with the competition term), per image with label D and
// penalties y_i = Σ_j (x_j − w_ij)²:
//
//   E = y_D + log(e^−j + Σ_i e^−y_i)
//
// The second term pulls the wrong classes' penalties up; e^−j acts as a "rubbish class" whose
// penalty is the constant j, so a correct penalty already below j is hardly pulled further. The
// paper leaves j's value unstated; RBF_J = 1 (a correct prototype matched to within one squared
// unit is good enough). E is averaged over the batch. Class probabilities, where the app needs
// them (evaluation, predictions), are the softmax of the negated penalties: the most likely class
// is the one with the smallest penalty, the paper's decision rule.

export const RBF_J = 1;

/** The bitmaps, 12 rows of 7 pixels each, digit 0 first. */
export const RBF_BITMAPS: readonly (readonly string[])[] = Object.freeze([
  ['..###..', '.#...#.', '#.....#', '#.....#', '#.....#', '#.....#', '#.....#', '#.....#', '#.....#', '#.....#', '.#...#.', '..###..'],
  ['...#...', '..##...', '.#.#...', '...#...', '...#...', '...#...', '...#...', '...#...', '...#...', '...#...', '...#...', '.#####.'],
  ['..###..', '.#...#.', '#.....#', '......#', '.....#.', '....#..', '...#...', '..#....', '.#.....', '#......', '#......', '#######'],
  ['.#####.', '#.....#', '......#', '......#', '.....#.', '..###..', '.....#.', '......#', '......#', '......#', '#.....#', '.#####.'],
  ['....#..', '...##..', '..#.#..', '.#..#..', '#...#..', '#...#..', '#######', '....#..', '....#..', '....#..', '....#..', '....#..'],
  ['#######', '#......', '#......', '#......', '#####..', '.....#.', '......#', '......#', '......#', '......#', '#....#.', '.####..'],
  ['....#..', '...#...', '..#....', '.#.....', '#......', '#.###..', '##...#.', '#.....#', '#.....#', '#.....#', '.#...#.', '..###..'],
  ['#######', '......#', '.....#.', '.....#.', '....#..', '....#..', '...#...', '...#...', '..#....', '..#....', '..#....', '..#....'],
  ['..###..', '.#...#.', '.#...#.', '.#...#.', '..#.#..', '...#...', '..#.#..', '.#...#.', '#.....#', '#.....#', '.#...#.', '..###..'],
  ['..###..', '.#...#.', '#.....#', '#.....#', '#.....#', '.#...##', '..###.#', '......#', '......#', '.....#.', '....#..', '.###...'],
].map((b) => Object.freeze(b)));

export const RBF_ROWS = 12;
export const RBF_COLS = 7;
/** F6's width: one unit per bitmap pixel. */
export const RBF_UNITS = RBF_ROWS * RBF_COLS;

function buildPrototypes(): Float32Array {
  const w = new Float32Array(10 * RBF_UNITS);
  RBF_BITMAPS.forEach((rows, k) => {
    if (rows.length !== RBF_ROWS) throw new Error(`RBF bitmap ${k} has ${rows.length} rows, not ${RBF_ROWS}.`);
    rows.forEach((row, r) => {
      if (row.length !== RBF_COLS || !/^[#.]+$/.test(row)) throw new Error(`RBF bitmap ${k}, row ${r} must be ${RBF_COLS} characters of '#' and '.'.`);
      for (let c = 0; c < RBF_COLS; c++) w[k * RBF_UNITS + r * RBF_COLS + c] = row[c] === '#' ? 1 : -1;
    });
  });
  return w;
}

/** The prototypes, (10, 84): row k is class k's ±1 vector. Shared; do not write. */
export const RBF_PROTOTYPES: Float32Array = buildPrototypes();
