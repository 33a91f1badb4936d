let a = floor(1e300)
