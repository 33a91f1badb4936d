// Rounds: a fleet's tolerance for devices that do not answer in a deployed run; durations carry
// a time unit (ms, s, min, h).
role phone[4] {
  round {
    min_responses: 0.9
    timeout: 30s
  }
}
role watch[2] {
  round {
    min_responses: 1.5           // error: E0201 round `min_responses` is a fraction in (0, 1], found 1.5
    timeout: 30                  // error: E0201 round `timeout` needs a time unit
  }
}
role tablet[2] {
  round {
    timeout: 1MiB                // error: E0201 round `timeout` is a duration, found a byte size
    timout: 2s                   // error: E0217 a round has no field `timout`
    // hint: did you mean `timeout`?
  }
}
role glasses[2] {
  round: 3                       // error: E0201 `round` takes a block
}
role cloud {
  round { timeout: 250ms }       // error: E0217 `round` is for a fleet of devices
}
let waits = [250ms, 1.5s, 2min, 1h] // durations are seconds
let total = waits[0] + waits[3]
