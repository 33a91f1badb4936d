import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// Byte images (IDX 0x08) stay bytes in a data set and are decoded when rows are gathered; every
/// path must give the bits the Float32 path gives (a Float32 copy of the same pixels, scaled).
@Suite struct ByteColumnTests {
    let dir = TempDir()

    /// The fixture loaded as bytes, and the same pixels as a Float32 tensor data set.
    func pair(_ n: Int = 9) throws -> (bytes: Dataset, floats: Dataset) {
        let (xi, yi) = try idxFixture(n)
        let bytes = try DataLoader.idx(images: dir.write("x\(n).idx", xi), labels: dir.write("y\(n).idx", yi))
        let x = try IDX.encode(try Tensor(shape: [n, 2, 3], ints: (0..<(n * 6)).map { Int32($0 * 7 % 256) }), asBytes: true)
        let xf = try x.withUnsafeBufferPointer { try IDX.decode($0, path: "x", as: .float32) }.reshaped([n, 1, 2, 3])
        let floats = try Dataset(columns: [("x", xf), ("y", try bytes.column("y"))], classCount: 4)
        return (bytes, floats)
    }

    @Test func imagesLoadAsBytesAndGatherAsFloat32() throws {
        let (b, f) = try pair()
        #expect(try b.baseColumn("x").isBytes)
        #expect(try b.dtype(of: "x") == .float32)
        #expect(try b.shape(of: "x") == [9, 1, 2, 3])
        #expect(try b.column("x").bitwiseEqual(f.column("x")))
        #expect(b.description == f.description)
    }

    @Test func scaleIsDeferredAndBitIdentical() throws {
        let (b, f) = try pair()
        // 1/255 and 1/16 as the StdLib writes them, then a second factor (chained scaling).
        for factors in [[Float(1.0 / 255.0)], [Float(1.0 / 16.0)], [Float(1.0 / 255.0), 0.3], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]] {
            var sb = b, sf = f
            for k in factors { sb = try sb.scaled(by: k); sf = try sf.scaled(by: k) }
            // Up to maxDeferredFactors stay bytes; more are written out as Float32.
            #expect(try sb.baseColumn("x").isBytes == (factors.count <= StoredColumn.maxDeferredFactors))
            #expect(try sb.column("x").bitwiseEqual(sf.column("x")), "factors \(factors)")
            let rows = [8, 0, 3, 3, 5]
            #expect(try sb.selecting(rows: rows).column("x").bitwiseEqual(sf.selecting(rows: rows).column("x")))
        }
    }

    @Test func selectionsBatchesAndTransformsAgreeWithFloat32() throws {
        let (b0, f0) = try pair(12)
        let b = try b0.scaled(by: 1.0 / 255.0), f = try f0.scaled(by: 1.0 / 255.0)
        let perm = [11, 2, 7, 0, 5, 9, 1, 4]
        let sb = try b.selecting(rows: perm), sf = try f.selecting(rows: perm)
        #expect(try sb.column("x").bitwiseEqual(sf.column("x")))
        // Materialising keeps bytes (a quarter of the memory) and the same values.
        let mb = sb.materialized()
        #expect(try mb.baseColumn("x").isBytes)
        #expect(try mb.column("x").bitwiseEqual(sf.column("x")))
        // Batches gather per batch.
        let gb = sb.gather([3, 1, 1]), gf = sf.gather([3, 1, 1])
        #expect(gb["x"]!.bitwiseEqual(gf["x"]!))
        // Concatenating selections of the same bytes stays an index list over them.
        let cat = try Dataset.concatenate([sb, try b.selecting(rows: [6, 6])])
        #expect(try cat.baseColumn("x").sharesValues(with: b.baseColumn("x")))
        let catf = try Dataset.concatenate([sf, try f.selecting(rows: [6, 6])])
        #expect(try cat.column("x").bitwiseEqual(catf.column("x")))
        // A transform that rewrites values works on the decoded floats.
        let nb = try b.normalizedFromData().0, nf = try f.normalizedFromData().0
        #expect(try nb.column("x").bitwiseEqual(nf.column("x")))
    }

    @Test func identityTellsDifferentScalingsApart() throws {
        let (b, _) = try pair()
        let s1 = try b.scaled(by: 0.5), s2 = try b.scaled(by: 0.25)
        let id0 = try b.storedColumn("x"), id1 = try s1.storedColumn("x"), id2 = try s2.storedColumn("x")
        // Same bytes, different decodings: a per-sample cache must not mix them up.
        #expect(!id1.isSame(as: id2) && !id0.isSame(as: id1))
        #expect(id1.isSame(as: try s1.selecting(rows: [1, 2]).storedColumn("x")))
        #expect(id1.rows == 9)
    }
}
