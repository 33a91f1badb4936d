// Layout: one statement per line, blank lines kept (at most one) and put around declarations.
import std.vision
import std.text as text
let a = 1; let b = 2;;


let c = a+b
model tiny { input x: [4]; linear(2) }
fn empty() {}
block pass()(x) { return x }
data d = read_data()
split s = vertical(tiny)
distill k = s.cloud -> tiny
plugin p = attention(heads: 2)
retrieval r { coarse: knn(k: 5); fine: classifier(tiny) }
role cloud {}
bundle phone for cloud { models: [tiny] }
if a>b { print a } else if a<b { print b } else { print c }
for i, x in enumerate(xs) { print i, x }
while a<10 { a+=1 }
save tiny to "t.dclb"; load tiny from "t.dclb"
train tiny on d minimizing loss(tiny(x), y) { epochs: 1 }
distill k on d
