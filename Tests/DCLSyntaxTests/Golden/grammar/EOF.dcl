// EOF: the last item needs no newline after it.
// ast: (let last 1)
// ast: (let end 2)
let last = 1
let end = 2