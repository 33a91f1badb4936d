#!/usr/bin/env python3
"""Reads a dcl bundle (.dclb) with independent tools, to cross-check the Swift writer.

Usage: check_bundle.py BUNDLE

* zipfile opens it and testzip() finds every CRC-32 intact;
* manifest.json parses, has format "dcl-bundle" version 1, and every listed entry exists with
  the listed size and SHA-256 (hashlib), with nothing unlisted;
* weights.safetensors loads with the safetensors package (numpy); each tensor is printed as
  "tensor KEY DTYPE SHAPE SHA256-OF-BYTES" and each metadata pair as "metadata K=V" for the
  Swift test to compare; every tensor the manifest lists is there with its dtype and shape;
* every MODEL.onnx passes onnx.checker.check_model(full_check=True).
Exits 1 on the first failed check.
"""
import hashlib
import json
import os
import sys
import tempfile
import zipfile

import numpy as np
import onnx
from safetensors import safe_open
from safetensors.numpy import load


def main(path):
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            raise AssertionError(f"crc mismatch in {bad}")
        names = z.namelist()
        manifest = json.loads(z.read("manifest.json"))
        assert manifest["format"] == "dcl-bundle" and manifest["format_version"] == 1, manifest["format"]
        listed = {e["name"]: e for e in manifest["entries"]}
        assert sorted(listed) == sorted(n for n in names if n != "manifest.json"), (sorted(listed), names)
        for name, entry in listed.items():
            data = z.read(name)
            assert len(data) == entry["bytes"], name
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], name

        raw = z.read("weights.safetensors")
        tensors = load(raw)
        for key in sorted(tensors):
            t = tensors[key]
            print("tensor", key, t.dtype, tuple(t.shape), hashlib.sha256(np.ascontiguousarray(t).tobytes()).hexdigest())
        # Metadata through safe_open, which needs a file.
        with tempfile.NamedTemporaryFile(suffix=".safetensors", delete=False) as f:
            f.write(raw)
        try:
            with safe_open(f.name, framework="numpy") as st:
                for k, v in sorted((st.metadata() or {}).items()):
                    print(f"metadata {k}={v}")
        finally:
            os.unlink(f.name)

        numpy_dtype = {"F32": "float32", "I32": "int32", "F16": "float16", "I8": "int8"}
        for model in manifest["models"]:
            for t in model["tensors"]:
                got = tensors[t["key"]]
                assert str(got.dtype) == numpy_dtype[t["stored"]] and list(got.shape) == t["shape"], t["key"]
            if model.get("onnx"):
                m = onnx.load_from_string(z.read(model["onnx"]))
                onnx.checker.check_model(m, full_check=True)
                print("onnx", model["onnx"], "ok")
    print("bundle ok")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as e:
        print("FAIL", type(e).__name__, e)
        sys.exit(1)
