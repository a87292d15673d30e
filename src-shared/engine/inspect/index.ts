// Looking inside a LeNet-5 (issue 11): training health, layer traces, unit explanations,
// saliency and top-activating images. Imports nothing but the engine; see README.md here.
export { createProbe, PROBE_SIZE, type Probe, type ProbeLayer } from './probe';
export { writeInput, pixelScale, cropInterior, PIXELS, INPUT_PIXELS, type InputPrecision } from './input';
export {
  createHealthMonitor, paramHealth, countNonFinite, firstNonFinite, FLOAT32_MIN_NORMAL, RELU_LAYERS,
  type HealthMonitor, type EpochHealth, type TensorHealth, type ReluHealth, type LayerName, type ReluLayer,
} from './health';
export { traceImage, traceInput, inputGradient, TRACE_SHAPES, type LayerTrace } from './trace';
export { saliency, saliencyDifference, type SaliencyMap, type ClassScore } from './saliency';
export { explainConvUnit, explainAffineUnit, kernelImages, type ConvExplanation, type AffineExplanation, type KernelImages } from './explain';
export { topActivating, type UnitRef, type RankedImage } from './topk';
export { modelFromCheckpoint, isInspectable, inspectableError, classifyPixels, type CheckpointModel } from './model';
