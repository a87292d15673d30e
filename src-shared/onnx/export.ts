// Export a LeNet-5 checkpoint as a self-contained ONNX model (IR 7, opset 13) that needs nothing
// from this app: raw pixels in, probabilities out, with the run's padding and normalisation
// folded into the graph.
//
//   image          float32 [N, 1, 28, 28], raw pixel values 0–255 (MNIST's bytes as floats)
//   Pad            2 zeros on every side            → [N, 1, 32, 32]
//   Mul, Add       x = p · scale + shift             (shift is a [1, 1, 32, 32] map: see below)
//   Conv c1 5×5, Relu, MaxPool 2×2                   → [N, 6, 14, 14]
//   Conv c3 5×5, Relu, MaxPool 2×2                   → [N, 16, 5, 5]
//   Flatten, Gemm c5 + Relu, Gemm f6 + Relu, Gemm out → [N, 10]
//   Softmax        probabilities float32 [N, 10]
//
// That is the report's model; every architecture of engine/arch.ts is expressible in opset 13,
// piece for piece as engine/reference/lenet.ts computes it, so none is refused:
//   tanh           Mul (2/3), Tanh, Mul (1.7159);  sigmoid: Sigmoid
//   max + tanh/sigmoid  MaxPool, then the activation (the engine's order)
//   average        the activation, AveragePool 2×2
//   subsampling    the activation, AveragePool 2×2, Mul k, Add b ([1, C, 1, 1] each), the activation
//   LeCun's C3     a plain Conv: the unconnected kernels are zeros in the weights
//   RBF output     Unsqueeze, Sub the prototypes [10, 84], Mul by itself, ReduceSum over the 84
//                  → penalties [N, 10]; Neg, Softmax (the engine's probabilities: engine/rbf.ts)
// A parameter buffer that does not have its architecture's layout is refused with the reason.
//
// The normalisation is engine/batch's: inside the image x = (p/255 − mean)/std − meanImage
// ('center' only), and the padding holds the background value (0/255 − mean)/std. With
// scale = 1/(255·std), shift is −mean/std − meanImage inside and −mean/std in the border, so
// padding the raw image with 0 and applying p · scale + shift gives exactly that input. Weights
// keep PyTorch's layouts (engine/layout), which are ONNX's: Conv (F, C, k, k), Gemm with transB.

import type { NormStats } from '../engine/batch';
import { layoutFor, IMAGE_SIZE, INPUT_SIZE, NUM_CLASSES, type ParamLayout } from '../engine/layout';
import { TANH_A, TANH_S, describeArchitecture, type Architecture } from '../engine/arch';
import { RBF_PROTOTYPES, RBF_UNITS } from '../engine/rbf';
import { checkpointModel } from '../engine/solver';
import { firstNonFinite } from '../engine/inspect/health';
import { graph, model, node, tensor, valueInfo, type Attr } from './onnx';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'image';
export const ONNX_OUTPUT = 'probabilities';

export interface OnnxExportInfo {
  runId: string;
  /** The dataset's name (e.g. "mnist"). */
  dataset: string;
  /** The 10 class names, in label order. */
  classNames: readonly string[];
  /** The producing app's version, recorded as the model's producer_version. */
  appVersion: string;
  /** Further metadata (e.g. the epoch, the dataset hash), added after the standard keys. */
  extra?: Readonly<Record<string, string>>;
}

/** Why an export was refused; `message` says it in a sentence for the user. */
export class OnnxExportError extends Error {
  constructor(readonly code: 'non-finite-params' | 'bad-params' | 'bad-normalization' | 'bad-info' | 'bad-checkpoint', message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

function checkInputs(params: Float32Array, norm: NormStats, info: OnnxExportInfo, layout: ParamLayout): void {
  if (!(params instanceof Float32Array) || params.length !== layout.count) {
    throw new OnnxExportError('bad-params', `A LeNet-5 with ${describeArchitecture(layout.architecture)} holds ${layout.count} float32 parameters (got ${params instanceof Float32Array ? params.length : 'another type'}): these parameters are not of that architecture.`);
  }
  const bad = firstNonFinite(params, layout);
  if (bad) {
    throw new OnnxExportError('non-finite-params', `This checkpoint cannot be exported: parameter ${bad.name}[${bad.index}] is ${String(bad.value)}. The run diverged before this checkpoint, so it holds no usable model; export an earlier checkpoint.`);
  }
  if (!Number.isFinite(norm.mean) || !Number.isFinite(norm.std) || !(norm.std > 0)) {
    throw new OnnxExportError('bad-normalization', `The run's normalisation is invalid (mean ${norm.mean}, std ${norm.std}).`);
  }
  if (norm.mode === 'center' && (!norm.meanImage || norm.meanImage.length !== IMAGE_SIZE * IMAGE_SIZE || !norm.meanImage.every(Number.isFinite))) {
    throw new OnnxExportError('bad-normalization', `The run's 'center' normalisation needs a mean image of ${IMAGE_SIZE * IMAGE_SIZE} finite values.`);
  }
  if (typeof info.runId !== 'string' || info.runId === '') throw new OnnxExportError('bad-info', 'The export needs the run id.');
  if (typeof info.dataset !== 'string' || info.dataset === '') throw new OnnxExportError('bad-info', 'The export needs the dataset name.');
  if (!Array.isArray(info.classNames) || info.classNames.length !== NUM_CLASSES || !info.classNames.every((c) => typeof c === 'string')) {
    throw new OnnxExportError('bad-info', `The export needs ${NUM_CLASSES} class names.`);
  }
}

/** The [1, 1, 32, 32] shift map and the scale of the folded normalisation (file comment). */
export function foldedNormalization(norm: NormStats): { scale: number; shift: Float32Array } {
  const scale = 1 / (255 * norm.std);
  const border = -norm.mean / norm.std;
  const shift = new Float32Array(INPUT_SIZE * INPUT_SIZE).fill(border);
  const pad = (INPUT_SIZE - IMAGE_SIZE) >> 1;
  for (let r = 0; r < IMAGE_SIZE; r++) {
    for (let c = 0; c < IMAGE_SIZE; c++) {
      shift[(r + pad) * INPUT_SIZE + c + pad] = border - (norm.meanImage ? norm.meanImage[r * IMAGE_SIZE + c] : 0);
    }
  }
  return { scale, shift };
}

/** The nodes of one activation: input → output (names made from `at`). */
function activationNodes(a: Architecture['activation'], input: string, output: string, at: string): Uint8Array[] {
  if (a === 'relu') return [node('Relu', `${at}.relu`, [input], [output])];
  if (a === 'sigmoid') return [node('Sigmoid', `${at}.sigmoid`, [input], [output])];
  return [
    node('Mul', `${at}.tanh.scale`, [input, 'tanh.s'], [`${at}.tanh.arg`]),
    node('Tanh', `${at}.tanh`, [`${at}.tanh.arg`], [`${at}.tanh.val`]),
    node('Mul', `${at}.tanh.amp`, [`${at}.tanh.val`, 'tanh.a'], [output]),
  ];
}

/** A conv block's pooling part (engine/arch.ts): the conv output `input` → the block's output. */
function poolNodes(arch: Architecture, input: string, output: string, s: 's2' | 's4'): Uint8Array[] {
  const pool: Attr[] = [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'strides', ints: [2, 2] }];
  const c = s === 's2' ? 'c1' : 'c3';
  if (arch.activation === 'relu' && arch.pooling === 'max') {
    return [node('Relu', `${c}.relu`, [input], [`${c}.act`]), node('MaxPool', s, [`${c}.act`], [output], pool)];
  }
  if (arch.pooling === 'max') return [node('MaxPool', s, [input], [`${s}.pooled`], pool), ...activationNodes(arch.activation, `${s}.pooled`, output, s)];
  const squashed = activationNodes(arch.activation, input, `${c}.act`, c);
  if (arch.pooling === 'average') return [...squashed, node('AveragePool', s, [`${c}.act`], [output], pool)];
  return [
    ...squashed,
    node('AveragePool', s, [`${c}.act`], [`${s}.mean`], pool),
    node('Mul', `${s}.coefficient`, [`${s}.mean`, `${s}.k`], [`${s}.times.k`]),
    node('Add', `${s}.bias`, [`${s}.times.k`, `${s}.b`], [`${s}.pre`]),
    ...activationNodes(arch.activation, `${s}.pre`, output, s),
  ];
}

/**
 * The ONNX model bytes for a checkpoint's parameters (in `architecture`'s layout, engine/layout)
 * and its run's normalisation. Refuses (OnnxExportError) parameters that are not of that
 * layout or not finite, an invalid normalisation or missing metadata.
 */
export function exportOnnx(params: Float32Array, norm: NormStats, info: OnnxExportInfo, architecture: Architecture): Uint8Array {
  const layout = layoutFor(architecture);
  const arch = layout.architecture;
  checkInputs(params, norm, info, layout);
  const { scale, shift } = foldedNormalization(norm);
  const pad = (INPUT_SIZE - IMAGE_SIZE) >> 1;
  const param = (name: string) => {
    const e = layout.table.find((x) => x.name === name)!;
    // Subsampling's per-map coefficient and bias broadcast over [N, C, H, W].
    const shape = e.kind === 'weight' || !name.startsWith('s') ? e.shape : [1, e.size, 1, 1];
    return tensor(name, shape, params.subarray(e.offset, e.offset + e.size));
  };
  const act = arch.activation;
  const rbf = arch.output === 'rbf';
  const initializers = [
    tensor('pads', [8], [0, 0, pad, pad, 0, 0, pad, pad], 'int64'),
    tensor('norm.scale', [1], [scale]),
    tensor('norm.shift', [1, 1, INPUT_SIZE, INPUT_SIZE], shift),
    ...layout.table.map((e) => param(e.name)),
    ...(act === 'tanh' ? [tensor('tanh.s', [1], [TANH_S]), tensor('tanh.a', [1], [TANH_A])] : []),
    ...(rbf ? [tensor('rbf.prototypes', [NUM_CLASSES, RBF_UNITS], RBF_PROTOTYPES), tensor('rbf.axis1', [1], [1], 'int64'), tensor('rbf.axis2', [1], [2], 'int64')] : []),
  ];
  const k5: Attr = { name: 'kernel_shape', ints: [5, 5] };
  const transB: Attr = { name: 'transB', int: 1 };
  const output = rbf
    ? [
      node('Unsqueeze', 'rbf.unsqueeze', ['f6.act', 'rbf.axis1'], ['rbf.x']),
      node('Sub', 'rbf.diff', ['rbf.x', 'rbf.prototypes'], ['rbf.d']),
      node('Mul', 'rbf.square', ['rbf.d', 'rbf.d'], ['rbf.d2']),
      node('ReduceSum', 'rbf.penalties', ['rbf.d2', 'rbf.axis2'], ['penalties'], [{ name: 'keepdims', int: 0 }]),
      node('Neg', 'rbf.neg', ['penalties'], ['logits']),
    ]
    : [node('Gemm', 'out', ['f6.act', 'out.w', 'out.b'], ['logits'], [transB])];
  const nodes = [
    node('Pad', 'pad', [ONNX_INPUT, 'pads'], ['padded']),
    node('Mul', 'norm.mul', ['padded', 'norm.scale'], ['scaled']),
    node('Add', 'norm.add', ['scaled', 'norm.shift'], ['x']),
    node('Conv', 'c1', ['x', 'c1.w', 'c1.b'], ['c1.out'], [k5]),
    ...poolNodes(arch, 'c1.out', 's2.out', 's2'),
    node('Conv', 'c3', ['s2.out', 'c3.w', 'c3.b'], ['c3.out'], [k5]),
    ...poolNodes(arch, 'c3.out', 's4.out', 's4'),
    node('Flatten', 'flatten', ['s4.out'], ['s4.flat'], [{ name: 'axis', int: 1 }]),
    node('Gemm', 'c5', ['s4.flat', 'c5.w', 'c5.b'], ['c5.out'], [transB]),
    ...activationNodes(act, 'c5.out', 'c5.act', 'c5'),
    node('Gemm', 'f6', ['c5.act', 'f6.w', 'f6.b'], ['f6.out'], [transB]),
    ...activationNodes(act, 'f6.out', 'f6.act', 'f6'),
    ...output,
    node('Softmax', 'softmax', ['logits'], [ONNX_OUTPUT], [{ name: 'axis', int: 1 }]),
  ];
  const doc = `LeNet-5 (${describeArchitecture(arch)}) from LeNet Workbench run ${info.runId}. Input "${ONNX_INPUT}": float32 [N, 1, 28, 28], raw pixel values 0-255 `
    + `(padding and the run's normalisation are part of the graph). Output "${ONNX_OUTPUT}": float32 [N, 10], `
    + `${rbf ? 'softmax of the negated RBF penalties' : 'softmax'} over the classes in metadata "class_names".`;
  const g = graph('lenet5', nodes, initializers, [valueInfo(ONNX_INPUT, ['N', 1, IMAGE_SIZE, IMAGE_SIZE])], [valueInfo(ONNX_OUTPUT, ['N', NUM_CLASSES])], doc);
  const normalization = { mode: norm.mode, mean: norm.mean, std: norm.std };
  const metadata: [string, string][] = [
    ['run_id', info.runId],
    ['dataset', info.dataset],
    ['class_names', JSON.stringify(info.classNames)],
    ['normalization', JSON.stringify(normalization)],
    ['input_range', '0-255'],
    ['architecture', JSON.stringify(arch)],
    ...Object.entries(info.extra ?? {}),
  ];
  return model({ irVersion: ONNX_IR_VERSION, opset: ONNX_OPSET, producerName: 'LeNet Workbench', producerVersion: info.appVersion, doc, graph: g, metadata });
}

/**
 * The ONNX model of a checkpoint's bytes: its architecture, parameters and normalisation come
 * from the checkpoint itself (engine/solver.ts checkpointModel), so they cannot disagree. A
 * checkpoint that cannot be read is refused with the reason ('bad-checkpoint').
 */
export function exportCheckpointOnnx(checkpoint: Uint8Array, info: OnnxExportInfo): Uint8Array {
  let m;
  try {
    m = checkpointModel(checkpoint);
  } catch (e) {
    throw new OnnxExportError('bad-checkpoint', `This checkpoint cannot be exported: ${(e as Error).message}`);
  }
  return exportOnnx(m.params, m.normalization, info, m.architecture);
}
