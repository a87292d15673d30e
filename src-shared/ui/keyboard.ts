// Arrow-key movement for composite widgets with a roving tabindex (one tab stop; arrows move
// inside): a row of tabs and a grid of confusion cells.

/** The next index in a row of n items for a key, or null when the key does not move (tabs wrap). */
export function nextInRow(key: string, index: number, n: number): number | null {
  if (n <= 0) return null;
  switch (key) {
    case 'ArrowRight':
      return (index + 1) % n;
    case 'ArrowLeft':
      return (index - 1 + n) % n;
    case 'Home':
      return 0;
    case 'End':
      return n - 1;
    default:
      return null;
  }
}

/** The next cell of a rows×cols grid for a key (edges stop, Home/End go along the row), or null. */
export function nextInGrid(key: string, row: number, col: number, rows: number, cols: number, ctrl = false): { row: number; col: number } | null {
  switch (key) {
    case 'ArrowRight':
      return { row, col: Math.min(cols - 1, col + 1) };
    case 'ArrowLeft':
      return { row, col: Math.max(0, col - 1) };
    case 'ArrowDown':
      return { row: Math.min(rows - 1, row + 1), col };
    case 'ArrowUp':
      return { row: Math.max(0, row - 1), col };
    case 'Home':
      return ctrl ? { row: 0, col: 0 } : { row, col: 0 };
    case 'End':
      return ctrl ? { row: rows - 1, col: cols - 1 } : { row, col: cols - 1 };
    default:
      return null;
  }
}
