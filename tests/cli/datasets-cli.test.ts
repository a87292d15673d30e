// `npm run datasets -- list | import FOLDER [--name N] [--classes a,b,...]` against a real database
// in a temp folder: parsing, both commands, class names typed or from classes.txt, clear messages
// with exit 2 for bad usage and bad input, and one real process through the npm script's command.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_OK, EXIT_USAGE, main, parseDatasetsArgs } from '../../src-main/cli/datasets';
import { tempDir, writeTinyDataset } from '../runs/helpers';
import { inProcess } from '../support/child';

const tmp = tempDir('lenet-datasets-cli-');
const db = join(tmp.dir, 'wb.sqlite');
afterAll(() => tmp.cleanup());

const NAMES = ['circle', 'stick', 'swan', 'hook', 'chair', 'snake', 'loop', 'hockey', 'glasses', 'balloon'];

const run = inProcess(main);

describe('datasets CLI', () => {
  it('parses commands and refuses bad usage with a clear message', () => {
    expect(parseDatasetsArgs(['import', 'dir', '--name', ' Shapes ', '--classes', NAMES.join(', ')])).toEqual({
      kind: 'ok',
      args: { command: 'import', folder: 'dir', name: 'Shapes', classNames: NAMES, db: null },
    });
    expect(parseDatasetsArgs(['list', '--db=x.sqlite'])).toEqual({ kind: 'ok', args: { command: 'list', folder: null, name: null, classNames: null, db: 'x.sqlite' } });
    expect(parseDatasetsArgs(['--help'])).toEqual({ kind: 'help' });
    const bad: [string[], RegExp][] = [
      [[], /a command is needed: list, import/],
      [['remove', 'x'], /unknown command "remove"/],
      [['import'], /exactly one folder/],
      [['import', 'a', 'b'], /exactly one folder/],
      [['list', 'x'], /list takes no arguments/],
      [['list', '--name', 'x'], /list does not take --name/],
      [['import', 'a', '--classes', 'a,b,c'], /--classes must name exactly 10 classes, one per label 0 to 9 \(got 3\)/],
      [['import', 'a', '--classes', 'a,b,c,d,e,f,g,h,i,'], /The name of class 9 is empty/],
      [['import', 'a', '--name', '   '], /--name must not be empty/],
      [['import', 'a', '--name'], /--name needs a value/],
      [['import', 'a', '--name', 'x', '--name', 'y'], /--name is given twice/],
    ];
    for (const [argv, msg] of bad) {
      const r = parseDatasetsArgs(argv);
      expect(r.kind, argv.join(' ')).toBe('error');
      if (r.kind === 'error') expect(r.message).toMatch(msg);
    }
  });

  it('imports a gzipped folder with classes.txt, a plain one with typed names, and lists them', async () => {
    const shapes = writeTinyDataset(join(tmp.dir, 'shapes'), 300, 100);
    for (const f of readdirSync(shapes)) {
      writeFileSync(join(shapes, `${f}.gz`), gzipSync(readFileSync(join(shapes, f))));
      rmSync(join(shapes, f)); // a folder holds one copy of each file, plain or gzipped
    }
    writeFileSync(join(shapes, 'classes.txt'), NAMES.join('\n') + '\n');
    const a = await run('import', shapes, '--db', db);
    expect(a.err).toBe('');
    expect(a.code).toBe(EXIT_OK);
    expect(a.out).toMatch(/^Imported "shapes" as shapes-[0-9a-f]{8}: 300 training and 100 test images\.\nClasses \(from classes\.txt\): circle, stick, swan, hook, chair, snake, loop, hockey, glasses, balloon\./);
    const typed = await run('import', writeTinyDataset(join(tmp.dir, 'plain'), 200, 50), '--name', 'Typed', '--classes', NAMES.slice().reverse().join(','), '--db', db);
    expect(typed.code).toBe(EXIT_OK);
    expect(typed.out).toMatch(/Classes \(as given\): balloon, glasses/);
    const numbered = await run('import', writeTinyDataset(join(tmp.dir, 'numbered'), 250, 50), '--db', db);
    expect(numbered.out).toMatch(/Classes \(no classes\.txt in the folder\): numbered 0 to 9\./);
    const list = await run('list', '--db', db);
    expect(list.code).toBe(EXIT_OK);
    expect(list.out).toMatch(/^ID\s+NAME\s+TRAIN\s+TEST\s+CLASSES/);
    expect(list.out).toMatch(/mnist\s+MNIST\s+60,000\s+10,000\s+numbered 0 to 9/);
    expect(list.out).toMatch(/shapes-[0-9a-f]{8}\s+shapes\s+300\s+100\s+circle, stick/);
    expect(list.out).toMatch(/Typed\s+200\s+50\s+balloon, glasses/);
  });

  it('refuses bad input with a clear message and exit 2, importing nothing', async () => {
    const before = (await run('list', '--db', db)).out;
    const notIdx = join(tmp.dir, 'not-idx');
    writeTinyDataset(notIdx, 10, 10);
    writeFileSync(join(notIdx, 't10k-labels-idx1-ubyte'), 'hello');
    const badClasses = writeTinyDataset(join(tmp.dir, 'bad-classes'), 20, 10);
    writeFileSync(join(badClasses, 'classes.txt'), 'cat\ndog\ncat\n');
    const cases: [string[], RegExp][] = [
      [['import', join(tmp.dir, 'nowhere')], /datasets: .*nowhere: is not a folder\./],
      [['import', notIdx], /t10k-labels-idx1-ubyte: (file is 5 bytes|wrong magic number)/],
      [['import', badClasses], /classes\.txt: the file must name exactly 10 classes, one per label 0 to 9 \(got 3\)/],
      [['import', join(tmp.dir, 'shapes'), '--name', 'again'], /already imported as "shapes"/],
      [['import', 'x', '--classes', 'one'], /exactly 10 classes[\s\S]*npm run datasets -- --help/],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(...argv, '--db', db);
      expect(r.code, argv.join(' ')).toBe(EXIT_USAGE);
      expect(r.err, argv.join(' ')).toMatch(msg);
      expect(r.out).toBe('');
    }
    expect((await run('list', '--db', db)).out).toBe(before);
  });

  it('works as a real process through the npm script’s command', () => {
    const p = spawnSync(process.execPath, ['--import', 'tsx', 'src-main/cli/datasets.ts', 'list'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, LENET_WORKBENCH_DB: db },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/shapes-[0-9a-f]{8}/);
  });
});
