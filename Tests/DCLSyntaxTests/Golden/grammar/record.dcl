// record: fields separated by `,` or a line break; reserved words are fine as keys.
let a = {}
// ast: (let a (record))
let b = { epochs: 3, batch: 128, }
// ast: (let b (record (epochs 3) (batch 128)))
let c = {
  data: d
  lr: 1e-3
}
// ast: (let c (record (data d) (lr 0.001)))
