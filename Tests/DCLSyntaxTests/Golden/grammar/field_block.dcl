// field_block: separators may lead, trail and repeat; blocks nest.
role r {
  ,a: 1,,
  b { c: 2 }

}
// ast: (role r (field a 1) (field b (fields (field c 2))))
retrieval empty { }
// ast: (retrieval empty)
