// Letters right after a number must be a size suffix.
let w = 10px
// error: 2:11 E0011 invalid suffix `px` on number `10`
let n = 3kb
// error: 4:10 E0011 invalid suffix `kb` on number `3`
