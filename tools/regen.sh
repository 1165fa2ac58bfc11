#!/usr/bin/env bash
# Regenerate every checked-in generated module from its .proto.
# Usage: tools/regen.sh [OUT_ROOT]  (default: the repo; a test passes a temp dir
# and compares, so regenerating must change nothing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
export PATH="$root/.venv/bin:$PATH"
# BUFFA_BOOTSTRAP=1 regenerates with Google's protobuf decoding the request:
# needed once when a runtime change breaks the checked-in plugin bindings.
inc=$(python -c 'import protoc, os; print(os.path.join(os.path.dirname(protoc.__file__), "include"))')
plugin="--plugin=protoc-gen-buffa=$root/tools/protoc-gen-buffa"
genopt() { # genopt OPTIONS OUT_DIR -I... files...  (OPTIONS: "" or the plugin's, e.g. "pyi")
  local opts=$1 dir=$2; shift 2
  mkdir -p "$dir"
  protoc "$plugin" --buffa_out="${opts:+$opts:}$dir" "$@"
}
gen() { genopt "" "$@"; } # gen OUT_DIR -I... files...
genpyi() { genopt pyi "$@"; } # the same, with type stubs (x_pb.pyi) for the modules users import
# Runtime bindings: the well-known types.
genpyi "$out/lib" -I"$inc" google/protobuf/any.proto google/protobuf/duration.proto \
  google/protobuf/empty.proto google/protobuf/field_mask.proto google/protobuf/struct.proto \
  google/protobuf/timestamp.proto google/protobuf/wrappers.proto
# The generator's own bindings (descriptor.proto, plugin.proto): host only,
# beside the generator as buffa_gen.pb.* (tools/buffa_gen/names.py).
gen "$out/tools" -I"$inc" google/protobuf/descriptor.proto google/protobuf/compiler/plugin.proto
# Conformance test messages, from the protos that ship with protoc.
gen "$out/host_tests/conformance/gen" -I"$inc" conformance/conformance.proto \
  conformance/messages/test_messages_proto2.proto conformance/messages/test_messages_proto3.proto \
  conformance/messages/test_messages_proto2_editions.proto \
  conformance/messages/test_messages_proto3_editions.proto \
  conformance/messages/test_messages_edition2023.proto
# Edition UNSTABLE: the suite sends a few binary cases for this one too.
gen "$out/host_tests/conformance/gen" --experimental_editions -I"$inc" \
  conformance/messages/test_messages_edition_unstable.proto
# Test protos that live beside their tests (and one folder down, imported
# from another package).
for d in "$root"/host_tests/*/; do
  [ "$d" = "$root/host_tests/split/" ] && continue
  for p in "$d"*.proto "$d"*/*.proto; do
    [ -e "$p" ] || continue
    rel=${d#"$root"/}
    gen "$out/$rel" -I"$d" -I"$inc" "$p"
  done
done
# The "split" form (x_pb.py and x_pb_codec.py), for host_tests/split.
genopt split "$out/host_tests/split" -I"$root/host_tests/split" "$root/host_tests/split/split.proto"
# Telemetry demo (firmware/app, tools/collector): the device-side bindings,
# checked in beside the app so it runs as plain .py/.mpy and frozen.
genpyi "$out/firmware" -I"$root/firmware/proto" -I"$inc" telemetry/v1/telemetry.proto
