// CoDA (arXiv 2201.10382) at small scale on MovieLens latest-small: users are devices. The
// cloud holds every user's older ratings (its global pool) and trains the global model; each
// device holds its user's fresh ratings, split by time into local training and test samples.
// The cloud retrieves the samples of the 50 most similar users (coarse; MPDA's smallest m), the
// device keeps those its sample classifier deems local-like (fine), and fine-tunes on local +
// kept samples; delivered samples count as the device user's own (they carry its user id).
//   swift run -c release dcl run Examples/coda_movielens.dcl [--set devices=N]
import std.data
import std.rec

// The fleet: one device per user (ml-latest-small has 610).
param devices: int = 100
// Coarse matching's m: how many of the most similar users' samples the cloud retrieves
// (MPDA compares 50, 100 and 200).
param coarse_users: int = 50

// The ratings: the files, or the same samples imported into a store (docs/deploy.md, "Sample
// pool in the store"): `dcl pool import movielens data/ml-latest-small --store URL`, then
// `--set pool_store=URL` (sqlite:PATH relative to this folder, or postgres://…).
param pool_store: string = ""

let ml = if pool_store == "" {
  movielens_dataset("data/ml-latest-small", threshold: 4.0)
} else {
  store_pool("ml-latest-small", store: pool_store, threshold: 4.0)
}
let history = ml |> time_split(test: 0.5) // per user: older half | fresher half

// Training samples pair each user's rated items with sampled unrated ones (label 0).
role cloud {
  pool: history.train |> with_negatives(100, seed: 3)
}

role device[devices] {
  data: history.test |> partition(by_user(), test: 0.4, seed: 1)
}

// The cloud's global CTR model (user and item embeddings + MLP), trained on the pool.
let global = ctr(users: ml.users, items: ml.items, dim: 16, hidden: [32])
train global on cloud.pool { epochs: 6, batch: 256, optimizer: adam(lr: 5e-3) }

retrieval coarse_only {
  coarse: knn(model: global, input: "user", metric: cosine, users: coarse_users)
}

retrieval coda {
  coarse: knn(model: global, input: "user", metric: cosine, users: coarse_users)
  fine: classifier(hidden: [], threshold: 0.5, epochs: 30, lr: 0.05)
}

retrieval coda_greedy {
  coarse: knn(model: global, input: "user", metric: cosine, users: coarse_users)
  fine: greedy(metric: auc, epochs: 2)
}

// Fine-tunes a copy of the global model on the given samples and evaluates it on the device.
fn personalised(samples: dataset, test: dataset) -> metrics {
  let m = copy(global)
  train m on samples { epochs: 4, batch: 32, optimizer: adam(lr: 2e-3), log: "none" }
  return evaluate(m, on: test, k: 10)
}

var cloud_r = []
var device_r = []
var coarse_r = []
var coda_r = []
var greedy_r = []
var moved_coarse = []
var moved_coda = []
var moved_greedy = []
for d in device {
  // Each test positive is ranked among 50 items the user has not rated (HitRate@10, NDCG@10).
  let test = d.test |> with_negatives(50, seed: 7)
  let local = d.train |> with_negatives(20, seed: 5)
  cloud_r += [evaluate(global, on: test, k: 10)]
  device_r += [personalised(local, test)]
  let candidates = coarse_only.retrieve(d, cloud.pool)
  moved_coarse += [len(candidates)]
  coarse_r += [personalised(local ++ candidates, test)]
  let kept = coda.filter(d, candidates)
  moved_coda += [len(kept)]
  coda_r += [personalised(local ++ kept, test)]
  let greedy_kept = coda_greedy.filter(d, candidates)
  moved_greedy += [len(greedy_kept)]
  greedy_r += [personalised(local ++ greedy_kept, test)]
}

fn row(method: string, rs: list[metrics], moved: list[int]) -> record {
  return {
    method: method
    auc: mean([r.auc for r in rs if r.auc != none])
    hit_rate_at_10: mean([r.hit_rate for r in rs if r.hit_rate != none])
    logloss: mean([r.logloss for r in rs])
    samples_moved: if len(moved) > 0 { mean(moved) } else { 0.0 }
  }
}

print table(
    [
      row("cloud-only (global model)", cloud_r, []),
      row("device-only (local fine-tuning)", device_r, []),
      row("local + coarse (no filter)", coarse_r, moved_coarse),
      row("CoDA (coarse + classifier)", coda_r, moved_coda),
      row("CoDA greedy (coarse + AUC filter)", greedy_r, moved_greedy),
    ],
    title: "CoDA on MovieLens latest-small: means over {devices} users (devices); samples moved = cloud samples delivered to a device",
  )

fn auc(rs: list[metrics]) -> float {
  return mean([r.auc for r in rs if r.auc != none])
}

// The paper's claims (CoDA): filtered augmentation beats training on the device's samples alone
// and beats the unfiltered coarse candidates, while moving fewer samples. `--seeds 0..4` judges
// them (README.md).
claim("CoDA beats device-only in AUC", auc(coda_r), above: auc(device_r))
claim("CoDA beats unfiltered coarse augmentation in AUC", auc(coda_r), above: auc(coarse_r))
claim(
  "CoDA greedy beats unfiltered coarse augmentation in AUC",
  auc(greedy_r),
  above: auc(coarse_r),
)

// AUC against the cloud samples moved to a device (into DIR with `dcl run --out DIR`).
plot(
  {
    device_only: { x: [0], y: [auc(device_r)] }
    coarse: { x: [mean(moved_coarse)], y: [auc(coarse_r)] }
    coda: { x: [mean(moved_coda)], y: [auc(coda_r)] }
    coda_greedy: { x: [mean(moved_greedy)], y: [auc(greedy_r)] }
  },
  to: "coda_movielens_auc.png",
  kind: scatter,
  x_label: "cloud samples moved to a device (mean)",
  y_label: "AUC",
  title: "CoDA on MovieLens: AUC against samples moved",
)

// The device ships the recommendation model and the sample classifier; the cloud, the coarse
// retrieval index (user embeddings and the pool's users).
bundle phone for device {
  models: [global, coda]
}

bundle server for cloud {
  models: [global]
  index: coda
}
