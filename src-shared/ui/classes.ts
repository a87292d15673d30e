// A dataset's classes as every view and the terminal show them: by name when the dataset has
// names (confusion axes, galleries, the per-class table, `runs show`), else numbered 0 to 9; and
// the words around them: MNIST's classes are digits, any other dataset's are classes of images.

import { MNIST_ID } from '../config';
import type { DatasetRow } from '../contract';
import { NUM_CLASSES } from '../engine/layout';

/** The class names of a dataset, in label order: its own, or "0" to "9". */
export function classNamesFor(d: Pick<DatasetRow, 'classNames'> | null | undefined): string[] {
  return d?.classNames?.length === NUM_CLASSES ? [...d.classNames] : Array.from({ length: NUM_CLASSES }, (_, i) => String(i));
}

export interface ClassWords {
  /** One name per label. */
  names: string[];
  /** The dataset has names of its own (not just 0 to 9). */
  named: boolean;
  /** What a class is called: "digit" on MNIST, "class" elsewhere (and its plural). */
  noun: 'digit' | 'class';
  nouns: 'digits' | 'classes';
  /** What one picture is called: "digit" on MNIST, "image" elsewhere (and its plural). */
  item: 'digit' | 'image';
  items: 'digits' | 'images';
}

/** The names and words for a dataset's classes (MNIST's when the dataset is unknown yet). */
export function classWords(d: Pick<DatasetRow, 'id' | 'classNames'> | null | undefined): ClassWords {
  const digits = !d || d.id === MNIST_ID;
  return {
    names: classNamesFor(d),
    named: !!d?.classNames,
    noun: digits ? 'digit' : 'class',
    nouns: digits ? 'digits' : 'classes',
    item: digits ? 'digit' : 'image',
    items: digits ? 'digits' : 'images',
  };
}

/** A label for a caption or a cell: its name ("Sneaker"), or its number when the classes have no names. */
export function className(names: readonly string[], label: number): string {
  return names[label] ?? String(label);
}
