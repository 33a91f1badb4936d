// place: a name followed by fields and indices.
a.b.c = 1
// ast: (= (. (. a b) c) 1)
a[0][i + 1] = 2
// ast: (= (index (index a 0) (+ i 1)) 2)
cfg.layers[2].width *= 2
// ast: (*= (. (index (. cfg layers) 2) width) 2)
