// CoDA: coarse retrieval on the cloud, a fine sample classifier on the device.
data pool = movielens("data/ml-latest-small") |> split_by(user)

retrieval coda {
  coarse: knn(embedding: item_embedding, metric: cosine, k: 200)     // runs on the cloud
  fine:   classifier(mlp([32]), threshold: 0.5)                        // trains on the device
}

role cloud { data: pool.global; budget { memory: 4GB } }
role device[20] {
  data: pool.users |> take_users(20, seed: 7)
  budget {
    params: 50k
    flops: 500k
    memory: 512KiB
  }
}

model rec(items: int, dim: int = 16) {
  input ids: i32[2]
  let table = embedding(items, dim)
  features { table |> flatten |> linear(dim) |> relu }
  head { linear(1) |> sigmoid }
}

for d, i in enumerate(device) {
  let kept = coda.fine(coda.coarse(d.train, from: cloud.data))
  train rec on d.train ++ kept minimizing bce(rec(x), y) { epochs: 5, lr: 3e-3 }
  if i % 5 == 0 { print "device {i:>3}: kept {len(kept)} of {len(d.train)}" }
  else if len(kept) == 0 { continue }
}

bundle phone for device { models: [rec, coda.fine], export: [dclb] }
load rec from "out/rec.dclb"
