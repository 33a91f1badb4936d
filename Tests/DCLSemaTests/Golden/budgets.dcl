// Budgets: counts for params and FLOPs, byte sizes for memory and storage.
role phone[4] {
  budget {
    params: 100k
    flops: 2MiB                  // error: E0404 budget `flops` is a count of FLOPs per sample (a multiply-add counts 2), found a byte size
    memory: 100k                 // error: E0404 budget `memory` is a byte size (peak memory at batch 1 (weights + activations)), found a count
    storage: 4096                // error: E0404 budget `storage` needs a byte unit
    latency: 10                  // error: E0405 unknown budget field `latency`
  }
}
