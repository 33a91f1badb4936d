// bundle_decl
bundle phone for device { models: [base.device, control], export: [dclb, onnx] }
// ast: (bundle phone (for device) (field models (list (. base device) control)) (field export (list dclb onnx)))
