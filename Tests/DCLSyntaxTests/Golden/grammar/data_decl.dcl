// data_decl
data mnist = idx(images: "train-images.gz", labels: "train-labels.gz") |> scale(1 / 255)
// ast: (data mnist (|> (call idx (arg images "train-images.gz") (arg labels "train-labels.gz")) (call scale (/ 1 255))))
