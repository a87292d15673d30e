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
// The normalisation is engine/batch's: inside the image x = (p/255 − mean)/std − meanImage
// ('center' only), and the padding holds the background value (0/255 − mean)/std. With
// scale = 1/(255·std), shift is −mean/std − meanImage inside and −mean/std in the border, so
// padding the raw image with 0 and applying p · scale + shift gives exactly that input. Weights
// keep PyTorch's layouts (engine/layout), which are ONNX's: Conv (F, C, k, k), Gemm with transB.

import type { NormStats } from '../engine/batch';
import { PARAM_COUNT, PARAM_TABLE, paramEntry, IMAGE_SIZE, INPUT_SIZE, NUM_CLASSES } from '../engine/layout';
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
  constructor(readonly code: 'non-finite-params' | 'bad-params' | 'bad-normalization' | 'bad-info', message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

function checkInputs(params: Float32Array, norm: NormStats, info: OnnxExportInfo): void {
  if (!(params instanceof Float32Array) || params.length !== PARAM_COUNT) {
    throw new OnnxExportError('bad-params', `A LeNet-5 checkpoint holds ${PARAM_COUNT} float32 parameters (got ${params instanceof Float32Array ? params.length : 'another type'}).`);
  }
  const bad = firstNonFinite(params);
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

/**
 * The ONNX model bytes for a checkpoint's parameters (engine/layout) and its run's normalisation.
 * Refuses (OnnxExportError) non-finite parameters, an invalid normalisation or missing metadata.
 */
export function exportOnnx(params: Float32Array, norm: NormStats, info: OnnxExportInfo): Uint8Array {
  checkInputs(params, norm, info);
  const { scale, shift } = foldedNormalization(norm);
  const pad = (INPUT_SIZE - IMAGE_SIZE) >> 1;
  const param = (name: string) => {
    const e = paramEntry(name);
    return tensor(name, e.shape, params.subarray(e.offset, e.offset + e.size));
  };
  const initializers = [
    tensor('pads', [8], [0, 0, pad, pad, 0, 0, pad, pad], 'int64'),
    tensor('norm.scale', [1], [scale]),
    tensor('norm.shift', [1, 1, INPUT_SIZE, INPUT_SIZE], shift),
    ...PARAM_TABLE.map((e) => param(e.name)),
  ];
  const k5: Attr = { name: 'kernel_shape', ints: [5, 5] };
  const pool: Attr[] = [{ name: 'kernel_shape', ints: [2, 2] }, { name: 'strides', ints: [2, 2] }];
  const transB: Attr = { name: 'transB', int: 1 };
  const nodes = [
    node('Pad', 'pad', [ONNX_INPUT, 'pads'], ['padded']),
    node('Mul', 'norm.mul', ['padded', 'norm.scale'], ['scaled']),
    node('Add', 'norm.add', ['scaled', 'norm.shift'], ['x']),
    node('Conv', 'c1', ['x', 'c1.w', 'c1.b'], ['c1.out'], [k5]),
    node('Relu', 'c1.relu', ['c1.out'], ['c1.act']),
    node('MaxPool', 's2', ['c1.act'], ['s2.out'], pool),
    node('Conv', 'c3', ['s2.out', 'c3.w', 'c3.b'], ['c3.out'], [k5]),
    node('Relu', 'c3.relu', ['c3.out'], ['c3.act']),
    node('MaxPool', 's4', ['c3.act'], ['s4.out'], pool),
    node('Flatten', 'flatten', ['s4.out'], ['s4.flat'], [{ name: 'axis', int: 1 }]),
    node('Gemm', 'c5', ['s4.flat', 'c5.w', 'c5.b'], ['c5.out'], [transB]),
    node('Relu', 'c5.relu', ['c5.out'], ['c5.act']),
    node('Gemm', 'f6', ['c5.act', 'f6.w', 'f6.b'], ['f6.out'], [transB]),
    node('Relu', 'f6.relu', ['f6.out'], ['f6.act']),
    node('Gemm', 'out', ['f6.act', 'out.w', 'out.b'], ['logits'], [transB]),
    node('Softmax', 'softmax', ['logits'], [ONNX_OUTPUT], [{ name: 'axis', int: 1 }]),
  ];
  const doc = `LeNet-5 from LeNet Workbench run ${info.runId}. Input "${ONNX_INPUT}": float32 [N, 1, 28, 28], raw pixel values 0-255 `
    + `(padding and the run's normalisation are part of the graph). Output "${ONNX_OUTPUT}": float32 [N, 10], softmax over the classes in metadata "class_names".`;
  const g = graph('lenet5', nodes, initializers, [valueInfo(ONNX_INPUT, ['N', 1, IMAGE_SIZE, IMAGE_SIZE])], [valueInfo(ONNX_OUTPUT, ['N', NUM_CLASSES])], doc);
  const normalization = { mode: norm.mode, mean: norm.mean, std: norm.std };
  const metadata: [string, string][] = [
    ['run_id', info.runId],
    ['dataset', info.dataset],
    ['class_names', JSON.stringify(info.classNames)],
    ['normalization', JSON.stringify(normalization)],
    ['input_range', '0-255'],
    ...Object.entries(info.extra ?? {}),
  ];
  return model({ irVersion: ONNX_IR_VERSION, opset: ONNX_OPSET, producerName: 'LeNet Workbench', producerVersion: info.appVersion, doc, graph: g, metadata });
}
