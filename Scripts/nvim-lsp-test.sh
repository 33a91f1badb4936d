#!/usr/bin/env bash
# Drives `dcl lsp` from a real LSP client: headless Neovim (Debian's `neovim`, 0.7 or later)
# runs Scripts/nvim-lsp-test.lua — open an example, wait for diagnostics, hover a layer line and
# read its shape, complete a name. Exit status 0 if every step passed.
#   Scripts/nvim-lsp-test.sh [path/to/dcl]     (default .build/release/dcl, else .build/debug/dcl)
set -euo pipefail
cd "$(dirname "$0")/.."
dcl="${1:-}"
if [ -z "$dcl" ]; then
  if [ -x .build/release/dcl ]; then dcl=.build/release/dcl; else dcl=.build/debug/dcl; fi
fi
command -v nvim >/dev/null || { echo "nvim-lsp-test: nvim is not installed (apt-get install neovim)" >&2; exit 2; }
[ -x "$dcl" ] || { echo "nvim-lsp-test: no dcl binary at $dcl" >&2; exit 2; }
export DCL="$(cd "$(dirname "$dcl")" && pwd)/$(basename "$dcl")" DCL_ROOT="$PWD"
# --clean: no user configuration or plugins; the bound keeps a hung client from stalling CI.
timeout 120 nvim --headless --clean -c "luafile Scripts/nvim-lsp-test.lua" 2>&1
