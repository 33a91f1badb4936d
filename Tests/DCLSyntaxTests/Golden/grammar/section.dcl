// section: a section name and a layer body.
model m {
  features {
    conv2d(6, kernel: 5) |> relu
    maxpool(2)
  }
}
// ast: (model m (body (section features (body (|> (call conv2d 6 (arg kernel 5)) relu) (call maxpool 2)))))
