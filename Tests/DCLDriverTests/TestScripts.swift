// The scripts the compile tests use: every StdLib backbone, each pattern's bundles, and small
// scripts for budgets, placement and checkpoints. Kept small so debug-build tests stay quick.

import Foundation

enum TestScripts {
    /// Every vision backbone and the perceptron; a DC-CCL split with a distilled control model.
    static let vision = """
    import std.vision
    import std.nn

    let net = lenet(classes: 10)
    let res = resnet(depth: 8, width: 4, classes: 10)
    let mob = mobilenet(width: 4, classes: 10)
    let tiny_vit = vit(patch: 7, dim: 16, depth: 1, heads: 2, classes: 10)
    let perceptron = mlp(shape: [1, 28, 28], hidden: [32, 16], classes: 10)
    split base = vertical(lenet(10), device_width: 1/4, fuse: sum)
    distill control = base.cloud -> mlp(shape: [1, 28, 28], hidden: [16], classes: 10) { loss: mse }

    role cloud { }
    role device[2] { budget { params: 1M, flops: 20M, memory: 8MiB, storage: 4MiB } }

    bundle phone for device { models: [base.device, control, mob], quantize: int8 }
    bundle server for cloud { models: [base, net, res, tiny_vit, perceptron] }
    """

    /// An ICIIA plug-in (partitioned, shuffled projections) over LeNet, shipped to devices.
    static let iciia = """
    import std.vision
    import std.iciia

    let net = lenet(classes: 10)
    plugin att = inter_image_attention(net, layers: 1, heads: 2, partitions: 4, shuffle: true, memory: 6, min_memory: 2)

    role device[2] { budget { params: 200k } }
    bundle phone for device { models: [att] }
    bundle phone_f16 for device { models: [att], quantize: f16 }
    """

    /// CoDA over the shipped MovieLens sample: a cloud index and a device classifier.
    static func coda(data: String) -> String {
        """
        import std.rec
        import std.data

        let ml = movielens_dataset("\(data)")
        let global_rec = ctr(users: ml.users, items: ml.items, dim: 8, hidden: [16])
        let local_rec = logistic(users: ml.users, items: ml.items)

        retrieval coda {
          coarse: knn(model: global_rec, input: "user", metric: cosine, users: 5)
          fine: classifier(hidden: [8], threshold: 0.5)
        }

        role cloud { pool: ml |> take(0.5, seed: 1) }
        role device[4] { data: ml |> drop(0.5, seed: 1) |> partition(by_user(), test: 0.3, seed: 2) }

        bundle phone for device { models: [local_rec, coda] }
        bundle server for cloud { models: [global_rec], index: coda }
        """
    }

    /// float32 bundles of several kinds, for the bit-identical round trip.
    static let roundTrip = """
    import std.vision
    import std.iciia
    import std.rec

    let net = lenet(classes: 10)
    let res = resnet(depth: 8, width: 4, classes: 10)
    let rec = ctr(users: 30, items: 20, dim: 4, hidden: [8])
    split base = vertical(lenet(10), device_width: 1/4, fuse: sum)
    plugin att = inter_image_attention(net, layers: 1, heads: 2, partitions: 2, memory: 4, min_memory: 1)

    role cloud { }
    role device[2] { }
    bundle phone for device { models: [net, att, rec] }
    bundle server for cloud { models: [base, res] }
    """

    /// A device bundle far over its budget.
    static let overBudget = """
    import std.vision
    import std.nn

    split base = vertical(lenet(10), device_width: 1/4, fuse: sum)
    distill control = base.cloud -> mlp(shape: [1, 28, 28], hidden: [64], classes: 10)
    role device[2] { budget { params: 10k, flops: 50k, memory: 1MiB, storage: 16KiB } }
    bundle phone for device { models: [base.device, control] }
    """

    /// A cloud-only model reaching a device bundle through a function the checker cannot see into.
    static let hiddenCloudModel = """
    import std.vision

    fn same(m: model) -> model {
      return m
    }

    split base = vertical(lenet(10), device_width: 1/4)
    let disguised = same(base.cloud)
    role device[2] { }
    bundle phone for device { models: [disguised] }
    """

    /// A tiny classifier trained on a CSV, its bundle saved as a checkpoint.
    static let checkpoint = """
    import std.nn

    let d = csv("tiny.csv", label: "label", shape: [4])
    let net = mlp(shape: [4], hidden: [8], classes: 3)
    role device[2] { }
    bundle b for device { models: [net] }

    train net on d { epochs: 3, batch: 8, optimizer: sgd(lr: 0.5), log: "none" }
    save b to "ck.safetensors"
    """

    /// 48 rows of 4 features and a label in 0..<3, deterministic.
    static var tinyCSV: String {
        var lines = ["a,b,c,d,label"]
        for i in 0..<48 {
            let f = (0..<4).map { j in String(format: "%.3f", Double((i * 7 + j * 13) % 17) / 17) }
            lines.append(f.joined(separator: ",") + ",\(i % 3)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
