// Retrieval policies: `greedy` trial-trains a model per matched user — its own `model:`, or
// the `knn` model — so a policy without one is rejected before anything runs.
import std.vision
let net = lenet(10, size: 8)
retrieval by_overlap {
  coarse: overlap(users: 5)
  fine: greedy(metric: auc)              // error: E0213 `greedy` needs a model to trial-train, and the coarse `overlap(…)` has none
}
retrieval by_overlap_with_model {
  coarse: overlap(users: 5)
  fine: greedy(metric: auc, model: net)
}
retrieval by_knn {
  coarse: knn(model: net, users: 5)
  fine: greedy(metric: auc)
}
