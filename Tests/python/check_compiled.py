#!/usr/bin/env python3
"""Cross-checks bundles written by `dcl compile` against the reference tools.

Usage: check_compiled.py DIR

For every DIR/BUNDLE.dclb:
  1. weights.safetensors loads with the safetensors package (numpy), and holds every tensor
     the manifest lists with its dtype and shape;
  2. every MODEL.onnx passes onnx.checker.check_model(full_check=True), imports opset 17 and
     has the symbolic batch "N" first on every input and output;
  3. ONNX Runtime (CPU), fed DIR/BUNDLE.MODEL.input<i>.npy, reproduces the outputs `dcl
     predict` wrote as DIR/BUNDLE.MODEL.output<j>.npy: float outputs within 1e-4 (max abs
     difference), integer outputs exactly.
Prints "weights BUNDLE ok" and "ok BUNDLE MODEL max_abs_diff=…" per check; exits 1 if any
check fails (every bundle and model is still checked).
"""
import glob
import json
import os
import sys
import zipfile

import numpy as np
import onnx
import onnxruntime as ort
from safetensors.numpy import load

TOLERANCE = 1e-4
NUMPY_DTYPE = {"F32": "float32", "I32": "int32", "F16": "float16", "I8": "int8"}


def check_weights(z, manifest):
    tensors = load(z.read("weights.safetensors"))
    for model in manifest["models"]:
        for t in model["tensors"]:
            got = tensors[t["key"]]
            if str(got.dtype) != NUMPY_DTYPE[t["stored"]] or list(got.shape) != t["shape"]:
                raise AssertionError(f"{t['key']}: {got.dtype} {got.shape}, manifest says {t['stored']} {t['shape']}")
            if t.get("scale_key") and t["scale_key"] not in tensors:
                raise AssertionError(f"{t['key']}: scale {t['scale_key']} missing")
    return len(tensors)


def check_model(z, base, model):
    raw = z.read(model["onnx"])
    m = onnx.load_from_string(raw)
    onnx.checker.check_model(m, full_check=True)
    if [(o.domain, o.version) for o in m.opset_import] != [("", 17)]:
        raise AssertionError(f"opsets {m.opset_import}")
    for value in list(m.graph.input) + list(m.graph.output):
        dims = value.type.tensor_type.shape.dim
        if not dims or dims[0].dim_param != "N":
            raise AssertionError(f"value {value.name!r} has no symbolic batch dimension 'N'")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(raw, options, providers=["CPUExecutionProvider"])
    feeds = {info.name: np.load(f"{base}.input{i}.npy") for i, info in enumerate(session.get_inputs())}
    outputs = session.run(None, feeds)
    worst = 0.0
    for j, got in enumerate(outputs):
        want = np.load(f"{base}.output{j}.npy")
        if got.shape != want.shape:
            raise AssertionError(f"output {j}: shape {got.shape}, dcl predict gave {want.shape}")
        if np.issubdtype(want.dtype, np.integer):
            if not np.array_equal(got.astype(np.int64), want.astype(np.int64)):
                raise AssertionError(f"output {j}: integer outputs differ from dcl predict")
            continue
        diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if got.size else 0.0
        worst = max(worst, diff)
        if not diff <= TOLERANCE:
            raise AssertionError(f"output {j}: max abs difference {diff} > {TOLERANCE}")
    return worst


def main():
    bundles = sorted(glob.glob(os.path.join(sys.argv[1], "*.dclb")))
    if not bundles:
        print("no .dclb files found")
        return 1
    failed = 0
    checked = 0
    for path in bundles:
        name = os.path.basename(path)[: -len(".dclb")]
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read("manifest.json"))
            try:
                count = check_weights(z, manifest)
                print(f"weights {name} ok {count} tensors")
            except Exception as e:
                failed += 1
                print("FAIL weights", name, type(e).__name__, e)
            for model in manifest["models"]:
                if not model.get("onnx"):
                    continue
                checked += 1
                base = os.path.join(sys.argv[1], f"{name}.{model['name']}")
                try:
                    diff = check_model(z, base, model)
                    print(f"ok {name} {model['name']} max_abs_diff={diff:.3g}")
                except Exception as e:
                    failed += 1
                    print("FAIL", name, model["name"], type(e).__name__, e)
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}: {checked} models, {failed} failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
