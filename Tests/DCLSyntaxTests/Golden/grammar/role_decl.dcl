// role_decl: an optional count, then fields.
role cloud { data: mnist |> take(0.5) }
// ast: (role cloud (field data (|> mnist (call take 0.5))))
role device[50] {
  data: mnist |> drop(0.5)
  budget { params: 100k, flops: 2M, memory: 1MiB }
}
// ast: (role device (count 50) (field data (|> mnist (call drop 0.5))) (field budget (fields (field params (size 100000 count)) (field flops (size 2000000 count)) (field memory (size 1048576 bytes)))))
