// Recommendation (click-through-rate) models over (user, item) ids, written in dcl. Each
// outputs one logit per pair, for binary cross-entropy against 0/1 labels.

// Embedding + MLP: user and item embeddings, their product, then hidden layers.
model ctr(users: int, items: int, dim: int = 16, hidden: list[int] = [32]) {
  input user: i32[]
  input item: i32[]
  features {
    u = user |> embedding(users, dim)
    v = item |> embedding(items, dim)
    concat([u, v, u * v], axis: 1)
    for h in hidden {
      linear(h) |> relu
    }
  }
  head {
    linear(1) |> reshape([-1])
  }
}

// Logistic regression on one-hot user and item ids: a per-user plus a per-item weight.
model logistic(users: int, items: int) {
  input user: i32[]
  input item: i32[]
  head {
    (user |> embedding(users, 1)) + (item |> embedding(items, 1)) |> reshape([-1])
  }
}
