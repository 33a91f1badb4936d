// DC-CCL — device-cloud collaborative controlled learning (arXiv 2303.10361): the
// collaborative round of the authors' code, written in dcl.

// One round for one device: the co-submodel is copied to the device and to the cloud; each
// copy trains on its own side's samples against the frozen control model,
// minimizing CE(control(x) + co(x), y); the two copies are averaged (FedAvg, 50/50 by default).
// With `tune`, the averaged co-submodel's head (its last linear layer) is then fine-tuned on
// those samples with the same objective for `tune_epochs`, the rest frozen — the authors' code
// does this after every average (`fc_finetuning`; their tuning set is drawn from the device's
// training data). Pass the device's own data: the fine-tuning then runs on the device.
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
  local_batch: int = 64,
  cloud_batch: int = 64,
  tune: dataset = none,
  tune_epochs: int = 1,
) -> model {
  let here = copy(co)
  let there = copy(co)
  train here on local minimizing cross_entropy(stop(control(x)) + here(x), y) {
    epochs: epochs
    batch: local_batch
    optimizer: optimizer
    log: log
  }
  train there on cloud_data minimizing cross_entropy(stop(control(x)) + there(x), y) {
    epochs: epochs
    batch: cloud_batch
    optimizer: optimizer
    log: log
  }
  let averaged = average([here, there], weights: weights)
  if tune != none {
    train averaged.head on tune minimizing cross_entropy(stop(control(x)) + averaged(x), y) {
      epochs: tune_epochs
      batch: local_batch
      optimizer: optimizer
      log: log
    }
  }
  return averaged
}

// Bytes that cross the device-cloud link in one round: the co-submodel goes up and the
// averaged co-submodel comes down (float32 weights); with `tune`, the fine-tuned head goes up
// too, for the cloud's copy in the next round.
fn dcccl_round_bytes(co: model, tune: bool = false) -> int {
  if tune {
    return 4 * (2 * co.params + co.head.params)
  }
  return 2 * 4 * co.params
}
