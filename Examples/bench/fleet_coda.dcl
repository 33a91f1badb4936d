// `dcl bench fleet --pattern coda`: CoDA's per-device work (Examples/coda_movielens.dcl) for a
// fleet of `devices` devices: coarse retrieval from the cloud pool, the device's sample
// classifier as the fine filter, and fine-tuning a copy of the global model on local + kept
// samples. The cloud part (one epoch of the global model) is small and fixed.
// Scripts/reference/fleet_coda.py is the same protocol in plain PyTorch.
//   dcl run Examples/bench/fleet_coda.dcl --set devices=100
import std.data
import std.rec

param devices: int = 10

let ml = movielens_dataset("../data/ml-latest-small", threshold: 4.0)
let history = ml |> time_split(test: 0.5)

role cloud {
  pool: history.train |> with_negatives(100, seed: 3)
}

// Users in id order are the 610 distinct devices; device c is user c mod 610 (its fresher
// ratings, split by time into local train and test).
role device[devices] {
  data: history.test |> partition(by_user(), test: 0.4, seed: 1, distinct: 610)
}

let global = ctr(users: ml.users, items: ml.items, dim: 16, hidden: [32])
train global on cloud.pool { epochs: 1, batch: 256, optimizer: adam(lr: 5e-3), log: "none" }

retrieval coda {
  coarse: knn(model: global, input: "user", metric: cosine, users: 20)
  fine: classifier(hidden: [], threshold: 0.5, epochs: 5, lr: 0.05)
}

// The fleet: per device, retrieve, filter, fine-tune (2 epochs) and evaluate (AUC).
var aucs = []
let start = clock()
for d in device {
  let test = d.test |> with_negatives(50, seed: 7)
  let local = d.train |> with_negatives(20, seed: 5)
  let kept = coda.filter(d, coda.retrieve(d, cloud.pool))
  let m = copy(global)
  train m on local ++ kept { epochs: 2, batch: 32, optimizer: adam(lr: 2e-3), log: "none" }
  let r = evaluate(m, on: test)
  if r.auc != none {
    aucs += [r.auc]
  }
}
let loop = clock() - start
print "fleet devices={devices} loop_s={loop:.6f} metric=auc value={mean(aucs):.6f}"
