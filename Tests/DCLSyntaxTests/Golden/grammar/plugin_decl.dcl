// plugin_decl
plugin iciia = inter_image_attention(layers: 2, heads: 4, shuffle: true)
// ast: (plugin iciia (call inter_image_attention (arg layers 2) (arg heads 4) (arg shuffle true)))
