// The datasets shipped with dcl's examples. Relative paths resolve against the directory of
// the script being run.

// MNIST from its four IDX files in `dir`, pixels scaled to [0, 1]: {train, test}.
fn mnist_dataset(dir: string = "data/mnist") -> record {
  return {
    train: idx(
      images: "{dir}/train-images-idx3-ubyte.gz",
      labels: "{dir}/train-labels-idx1-ubyte.gz",
    )
      |> scale(1 / 255)
    test: idx(images: "{dir}/t10k-images-idx3-ubyte.gz", labels: "{dir}/t10k-labels-idx1-ubyte.gz")
      |> scale(1 / 255)
  }
}

// The UCI 8×8 digits as [1, 8, 8] images scaled to [0, 1], split {train, test} by class.
fn digits_dataset(
  path: string = "data/digits/digits.csv",
  test: float = 0.2,
  seed: int = 0,
) -> record {
  return csv(path, label: "label", shape: [1, 8, 8])
    |> scale(1 / 16)
    |> holdout(test: test, seed: seed, stratify: true)
}

// MovieLens ratings (ratings ≥ 4 are positives), with genres when movies.csv is given.
fn movielens_dataset(dir: string = "data/ml-latest-small", threshold: float = 4.0) -> dataset {
  return movielens("{dir}/ratings.csv", threshold: threshold, movies: "{dir}/movies.csv")
}
