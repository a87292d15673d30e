import { describe, expect, it } from 'vitest';
import { className, classNamesFor, classWords } from '../../src-shared/ui/classes';

const NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

describe('class names and words', () => {
  it('MNIST has digits, numbered; another dataset has classes of images, named when it has names', () => {
    expect(classWords({ id: 'mnist', classNames: null })).toEqual({ names: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], named: false, noun: 'digit', nouns: 'digits', item: 'digit', items: 'digits' });
    expect(classWords({ id: 'fashion-1234abcd', classNames: NAMES })).toEqual({ names: NAMES, named: true, noun: 'class', nouns: 'classes', item: 'image', items: 'images' });
    expect(classWords({ id: 'tiny-1234abcd', classNames: null })).toMatchObject({ named: false, noun: 'class', items: 'images' });
    expect(classWords(null).noun).toBe('digit'); // while the datasets load
  });

  it('names a label, or numbers it', () => {
    expect(classNamesFor({ classNames: NAMES })[9]).toBe('Ankle boot');
    expect(classNamesFor(undefined)[3]).toBe('3');
    expect(className(NAMES, 6)).toBe('Shirt');
    expect(className(NAMES, 12)).toBe('12');
  });
});
