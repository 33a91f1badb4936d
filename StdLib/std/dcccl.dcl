// DC-CCL — device-cloud collaborative controlled learning (arXiv 2303.10361): the
// collaborative round of the authors' code, written in dcl.

// One round for one device: the co-submodel is copied to the device and to the cloud; each
// copy trains on its own side's samples against the frozen control model,
// minimizing CE(control(x) + co(x), y); the two copies are averaged (FedAvg, 50/50 by default).
// Raw device samples stay on the device; the cloud submodel is never read on it.
fn dcccl_round(
  co: model,
  control: model,
  local: dataset,
  cloud_data: dataset,
  weights: list[float] = [0.5, 0.5],
  epochs: int = 1,
  optimizer: optimizer = sgd(lr: 0.01, momentum: 0.9),
  log: string = "none",
) -> model {
  let here = copy(co)
  let there = copy(co)
  train here on local minimizing cross_entropy(stop(control(x)) + here(x), y) {
    epochs: epochs
    optimizer: optimizer
    log: log
  }
  train there on cloud_data minimizing cross_entropy(stop(control(x)) + there(x), y) {
    epochs: epochs
    optimizer: optimizer
    log: log
  }
  return average([here, there], weights: weights)
}

// Bytes that cross the device-cloud link in one round: the co-submodel goes up and the
// averaged co-submodel comes down (float32 weights).
fn dcccl_round_bytes(co: model) -> int {
  return 2 * 4 * co.params
}
