// Evaluation metrics, computed from model outputs and labels.
//
// Classification (integer labels, logits [N, C]): mean cross-entropy loss, accuracy, top-5.
// Binary (0/1 labels, one logit per sample): AUC (Mann–Whitney, ties count half), log-loss,
// accuracy at 0.5, and for recommendation, per group (user) with at least one positive:
// HitRate@k — 1 if a positive is among the k highest-scored samples — and NDCG@k with binary
// relevance, both averaged over groups.

import Foundation

public enum MetricMath {
    /// Mean softmax cross-entropy, accuracy and top-k accuracy of logits [n, c] (row-major).
    public static func classification(logits: [Float], classes c: Int, labels: [Int32], topK: Int = 5)
        -> (loss: Double, accuracy: Double, topK: Double) {
        let n = labels.count
        guard n > 0, c > 0 else { return (0, 0, 0) }
        var loss = 0.0, correct = 0, inTop = 0
        for i in 0..<n {
            let row = logits[(i * c)..<(i * c + c)]
            let mx = row.max()!
            var sum = 0.0
            for v in row { sum += Foundation.exp(Double(v - mx)) }
            let y = Int(labels[i])
            loss += Foundation.log(sum) - Double(row[row.startIndex + y] - mx)
            let target = row[row.startIndex + y]
            var greater = 0
            for v in row where v > target { greater += 1 }
            if greater == 0 { correct += 1 }
            if greater < topK { inTop += 1 }
        }
        return (loss / Double(n), Double(correct) / Double(n), Double(inTop) / Double(n))
    }

    /// Area under the ROC curve of scores for 0/1 labels (nil if one class is absent).
    public static func auc(scores: [Float], labels: [Float]) -> Double? {
        let idx = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPos = 0.0, pos = 0.0
        var i = 0
        while i < idx.count {
            var j = i
            while j + 1 < idx.count && scores[idx[j + 1]] == scores[idx[i]] { j += 1 }
            let avgRank = Double(i + j) / 2 + 1
            for k in i...j where labels[idx[k]] > 0.5 {
                rankSumPos += avgRank
                pos += 1
            }
            i = j + 1
        }
        let neg = Double(scores.count) - pos
        guard pos > 0, neg > 0 else { return nil }
        return (rankSumPos - pos * (pos + 1) / 2) / (pos * neg)
    }

    /// Mean binary cross-entropy of logits against 0/1 labels, and accuracy at probability 0.5.
    public static func binary(logits: [Float], labels: [Float]) -> (logloss: Double, accuracy: Double) {
        guard !logits.isEmpty else { return (0, 0) }
        var loss = 0.0, correct = 0
        for (z, y) in zip(logits, labels) {
            let zd = Double(z)
            // log(1 + e^z) computed stably.
            let softplus = zd > 0 ? zd + Foundation.log1p(Foundation.exp(-zd)) : Foundation.log1p(Foundation.exp(zd))
            loss += softplus - Double(y) * zd
            if (zd > 0) == (y > 0.5) { correct += 1 }
        }
        return (loss / Double(logits.count), Double(correct) / Double(logits.count))
    }

    /// HitRate@k and NDCG@k averaged over groups that have at least one positive.
    public static func ranking(scores: [Float], labels: [Float], groups: [Int32], k: Int) -> (hitRate: Double, ndcg: Double, groups: Int) {
        var byGroup: [Int32: [Int]] = [:]
        for (i, g) in groups.enumerated() { byGroup[g, default: []].append(i) }
        var hr = 0.0, nd = 0.0, counted = 0
        for g in byGroup.keys.sorted() {
            let items = byGroup[g]!
            let positives = items.filter { labels[$0] > 0.5 }.count
            guard positives > 0 else { continue }
            // Ties broken by position, so the result is deterministic.
            let ranked = items.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            let top = ranked.prefix(k)
            var dcg = 0.0
            var hit = false
            for (r, i) in top.enumerated() where labels[i] > 0.5 {
                dcg += 1 / Foundation.log2(Double(r) + 2)
                hit = true
            }
            var idcg = 0.0
            for r in 0..<min(k, positives) { idcg += 1 / Foundation.log2(Double(r) + 2) }
            hr += hit ? 1 : 0
            nd += dcg / idcg
            counted += 1
        }
        guard counted > 0 else { return (0, 0, 0) }
        return (hr / Double(counted), nd / Double(counted), counted)
    }

    /// Mean and population standard deviation.
    public static func meanStd(_ xs: [Double]) -> (mean: Double, std: Double) {
        guard !xs.isEmpty else { return (0, 0) }
        let m = xs.reduce(0, +) / Double(xs.count)
        let v = xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count)
        return (m, v.squareRoot())
    }
}
