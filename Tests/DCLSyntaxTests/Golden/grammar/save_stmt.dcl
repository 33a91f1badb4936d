// save_stmt
save base.device to "out/device.dclb"
// ast: (save (. base device) (to "out/device.dclb"))
