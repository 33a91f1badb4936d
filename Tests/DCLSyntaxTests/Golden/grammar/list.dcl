// list: literals and comprehensions.
let a = []
// ast: (let a (list))
let b = [1, 2, 3,]
// ast: (let b (list 1 2 3))
let c = [x * x for x in xs]
// ast: (let c (comp (* x x) (for x xs)))
let d = [x for x in 0..10 if x % 2 == 0]
// ast: (let d (comp x (for x (.. 0 10)) (if (== (% x 2) 0))))
