#!/usr/bin/env bash
# Regenerates the Swift code for the .proto files under Proto/, one subtree per target, and
# records the SHA-256 of each subtree's .proto files in the target's PROTO_SHA256, which
# ProtoDriftTests checks (CI has no protoc: the generated code is committed, and the test only
# compares hashes):
#   Proto/dcl/  → Sources/DCLFleetProto  the fleet protocol: messages and gRPC service code
#   Proto/onnx/ → Sources/DCLONNXProto   the ONNX messages dcl writes and reads: messages only
#
#   Scripts/generate-proto.sh [fleet|onnx ...]      (default: every subtree)
#
# Needs protoc (Debian: protobuf-compiler) and the plugins, built once outside this package
# (building them inside it would add ~10 minutes to every build). protoc-gen-swift is built from
# swift-protobuf at the version Package.resolved pins; protoc-gen-grpc-swift-2 is needed for
# the fleet subtree only:
#   git clone --branch 2.4.1 https://github.com/grpc/grpc-swift-protobuf /tmp/gsp
#   (cd /tmp/gsp && swift build -c release --product protoc-gen-grpc-swift-2 \
#                && swift build -c release --product protoc-gen-swift)
#   PLUGIN_DIR=/tmp/gsp/.build/release Scripts/generate-proto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugins="${PLUGIN_DIR:?set PLUGIN_DIR to the folder holding protoc-gen-swift (and protoc-gen-grpc-swift-2 for fleet)}"

# name  subtree-under-Proto  target-folder  with-gRPC
subtrees=(
  "fleet dcl Sources/DCLFleetProto yes"
  "onnx onnx Sources/DCLONNXProto no"
)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(fleet onnx)
for w in "${wanted[@]}"; do
  case "$w" in fleet|onnx) ;; *) echo "usage: Scripts/generate-proto.sh [fleet|onnx ...]" >&2; exit 2 ;; esac
done

command -v protoc > /dev/null || { echo "generate-proto.sh: protoc not found" >&2; exit 1; }
[ -x "$plugins/protoc-gen-swift" ] || { echo "generate-proto.sh: $plugins/protoc-gen-swift not found" >&2; exit 1; }

for entry in "${subtrees[@]}"; do
  read -r name dir out grpc <<< "$entry"
  [[ " ${wanted[*]} " == *" $name "* ]] || continue
  # Sorted, so that the file list (and PROTO_SHA256) does not depend on the file system's order.
  # Paths stay relative to Proto/ (protoc's --proto_path), as the generated code names them.
  mapfile -t protos < <(cd Proto && find "$dir" -name '*.proto' | LC_ALL=C sort)
  [ ${#protos[@]} -gt 0 ] || { echo "generate-proto.sh: no .proto files under Proto/$dir" >&2; exit 1; }
  mkdir -p "$out"
  rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
  args=(--proto_path=Proto --plugin=protoc-gen-swift="$plugins/protoc-gen-swift"
        --swift_out="$out" --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores)
  if [ "$grpc" = yes ]; then
    [ -x "$plugins/protoc-gen-grpc-swift-2" ] || { echo "generate-proto.sh: $plugins/protoc-gen-grpc-swift-2 not found" >&2; exit 1; }
    args+=(--plugin=protoc-gen-grpc-swift="$plugins/protoc-gen-grpc-swift-2"
           --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Public --grpc-swift_opt=FileNaming=PathToUnderscores)
  fi
  protoc "${args[@]}" "${protos[@]}"
  # One line per file: "<sha256>  <path under Proto/>", the format ProtoDriftTests parses.
  (cd Proto && sha256sum "${protos[@]}") > "$out/PROTO_SHA256"
  echo "generated $name: $(ls "$out" | tr '\n' ' ')"
done
