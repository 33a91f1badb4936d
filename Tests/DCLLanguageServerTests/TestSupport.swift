// Scripts and paths shared by the language server tests.

import DCLDriver
import DCLLanguageServer
import Foundation
import DCLTestScratch

enum PipelineCheckerForTests {
    static func make() -> DocumentChecker { PipelineChecker() }
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh directory for a test's scripts.
func temporaryDirectory(_ label: String) throws -> URL {
    try TestScratch.directory("lsp-\(label)")
}

/// A model whose shapes are easy to compute by hand: 28×28 → conv 5×5 (24×24×6) → pool (12×12)
/// → flatten (864) → linear (10).
let tinyModel = """
model tiny {
  input x: [1, 28, 28]
  features {
    conv2d(6, kernel: 5) |> relu
    maxpool(2)
    flatten
  }
  head {
    linear(10)
  }
}

let net = tiny
"""
