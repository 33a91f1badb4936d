// load_stmt
load m from "out/m.dclb"
// ast: (load m (from "out/m.dclb"))
