/**
 * The BlazeFace "back" graph model (src/image/faces/model/README.md), loaded from the bundle once
 * per isolate. A failed load is retried by the next caller.
 */
import { loadGraphModel, type GraphModel } from "@tensorflow/tfjs-converter";
import topology from "./model/blazeface-back.json";
import weights from "./model/blazeface-back.bin";
import { tfReady } from "./runtime";

/** Output tensors: scores and box regressors for the stride-16 and stride-32 anchor grids. */
export const OUTPUTS = { scores16: "Identity:0", boxes16: "Identity_2:0", scores32: "Identity_1:0", boxes32: "Identity_3:0" } as const;

let loading: Promise<GraphModel> | undefined;

async function load(): Promise<GraphModel> {
  const tf = await tfReady();
  const manifest = topology.weightsManifest;
  const handler = tf.io.fromMemory({
    modelTopology: topology.modelTopology,
    weightSpecs: manifest.flatMap((group) => group.weights) as Parameters<typeof tf.io.fromMemory>[1],
    weightData: weights,
    format: topology.format,
    generatedBy: topology.generatedBy,
    convertedBy: topology.convertedBy,
    userDefinedMetadata: topology.userDefinedMetadata,
  });
  return loadGraphModel(handler);
}

export function faceModel(): Promise<GraphModel> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
