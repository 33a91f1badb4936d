#!/usr/bin/env bash
# Regenerates the Swift code for Proto/**/*.proto into Sources/DCLFleetProto and records the
# SHA-256 of every .proto file in Sources/DCLFleetProto/PROTO_SHA256, which ProtoDriftTests checks
# (CI has no protoc: the generated code is committed, and the test only compares hashes).
#
# Needs protoc (Debian: protobuf-compiler) and the two plugins, built once outside this package
# (building them inside it would add ~10 minutes to every build):
#   git clone --branch 2.4.1 https://github.com/grpc/grpc-swift-protobuf /tmp/gsp
#   (cd /tmp/gsp && swift build -c release --product protoc-gen-grpc-swift-2 \
#                && swift build -c release --product protoc-gen-swift)
#   PLUGIN_DIR=/tmp/gsp/.build/release Scripts/generate-proto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugins="${PLUGIN_DIR:?set PLUGIN_DIR to the folder holding protoc-gen-swift and protoc-gen-grpc-swift-2}"
for tool in protoc "$plugins/protoc-gen-swift" "$plugins/protoc-gen-grpc-swift-2"; do
  command -v "$tool" > /dev/null || { echo "generate-proto.sh: $tool not found" >&2; exit 1; }
done
out=Sources/DCLFleetProto
# Sorted, so that the file list (and PROTO_SHA256) does not depend on the file system's order.
mapfile -t protos < <(cd Proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
protoc --proto_path=Proto \
  --plugin=protoc-gen-swift="$plugins/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift="$plugins/protoc-gen-grpc-swift-2" \
  --swift_out="$out" --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Public --grpc-swift_opt=FileNaming=PathToUnderscores \
  "${protos[@]}"
# One line per file: "<sha256>  <path under Proto/>", the format ProtoDriftTests parses.
(cd Proto && sha256sum "${protos[@]}") > "$out/PROTO_SHA256"
echo "generated: $(ls "$out" | tr '\n' ' ')"
