// split_decl
split base = vertical(resnet(depth: 8), device_width: 1 / 8, fuse: sum)
// ast: (split base (call vertical (call resnet (arg depth 8)) (arg device_width (/ 1 8)) (arg fuse sum)))
