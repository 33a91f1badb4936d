// A tiny MovieLens-format rating file and the CoDA setup on it that the runtime's pattern tests
// and the deployed-run tests share: 12 users × 15 items with structured tastes (a user likes
// the items of its own residue mod 3), a cloud pool of every user's older half, three devices.

public enum ToyRatings {
    /// `ratings.csv`: userId,movieId,rating,timestamp.
    public static let csv: String = {
        var lines = ["userId,movieId,rating,timestamp"]
        var t = 1_000_000
        for u in 1...12 {
            for m in 1...15 where (u * 7 + m * 3) % 4 != 0 {
                let likes = (u % 3) == (m % 3)
                lines.append("\(u),\(m),\(likes ? 4.5 : 2.0),\(t)")
                t += 60
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// The cloud's global model and two retrievals (classifier and greedy filters) over
    /// `ratings.csv`, as a script's opening lines.
    public static let codaScript = """
    import std.rec
    let ml = movielens("ratings.csv")
    let h = ml |> time_split(test: 0.5)
    role cloud { pool: h.train |> with_negatives(5, seed: 1) }
    role device[3] { data: h.test |> partition(by_user(), test: 0.3, seed: 2) }
    let global = ctr(users: ml.users, items: ml.items, dim: 4, hidden: [4])
    train global on cloud.pool { epochs: 3, batch: 16, log: "none" }
    retrieval pick {
      coarse: knn(model: global, input: "user", users: 4)
      fine: classifier(hidden: [], threshold: 0.5, epochs: 5)
    }
    retrieval trial {
      coarse: knn(model: global, input: "user", users: 4)
      fine: greedy(metric: auc, epochs: 1)
    }
    """
}
