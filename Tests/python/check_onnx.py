#!/usr/bin/env python3
"""Cross-checks ONNX files written by dcl against the reference tools.

Usage: check_onnx.py DIR

For every DIR/CASE.onnx (with DIR/CASE.input<i>.npy and DIR/CASE.output<j>.npy):
  1. onnx.checker.check_model(model, full_check=True) — schema, types and shape inference;
  2. the file's bytes equal the onnx package's re-serialisation of the parsed model
     (dcl writes fields in the reference order, so this holds exactly);
  3. every graph input and output has the symbolic batch dimension "N" first;
  4. ONNX Runtime (CPU) on the inputs reproduces the expected outputs (rtol 1e-4, atol 1e-5).
Prints "ok CASE" per case; exits 1 if any check fails.
"""
import glob
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def check(path):
    case = os.path.basename(path)[: -len(".onnx")]
    base = path[: -len(".onnx")]
    raw = open(path, "rb").read()
    model = onnx.load_from_string(raw)
    onnx.checker.check_model(model, full_check=True)
    if model.SerializeToString() != raw:
        raise AssertionError("bytes differ from onnx's re-serialisation")
    if model.ir_version != 8 or [(o.domain, o.version) for o in model.opset_import] != [("", 17)]:
        raise AssertionError(f"ir_version {model.ir_version}, opsets {model.opset_import}")
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if not dims or dims[0].dim_param != "N":
            raise AssertionError(f"value {value.name!r} has no symbolic batch dimension 'N'")

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(raw, options, providers=["CPUExecutionProvider"])
    feeds = {}
    for i, info in enumerate(session.get_inputs()):
        feeds[info.name] = np.load(f"{base}.input{i}.npy")
    outputs = session.run(None, feeds)
    for j, got in enumerate(outputs):
        want = np.load(f"{base}.output{j}.npy")
        if got.shape != want.shape:
            raise AssertionError(f"output {j}: shape {got.shape}, expected {want.shape}")
        if not np.allclose(got, want, rtol=1e-4, atol=1e-5):
            worst = float(np.max(np.abs(got - want)))
            raise AssertionError(f"output {j}: max abs difference {worst}")
    if len(outputs) != len(glob.glob(f"{base}.output*.npy")):
        raise AssertionError("output count differs from the expected files")
    return case


def main():
    paths = sorted(glob.glob(os.path.join(sys.argv[1], "*.onnx")))
    if not paths:
        print("no .onnx files found")
        return 1
    failed = 0
    for path in paths:
        try:
            print("ok", check(path))
        except Exception as e:  # report every case, then fail
            failed += 1
            print("FAIL", os.path.basename(path), type(e).__name__, e)
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}: {len(paths) - failed}/{len(paths)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
