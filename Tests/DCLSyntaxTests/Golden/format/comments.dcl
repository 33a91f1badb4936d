/* A file that puts comments everywhere the formatter must keep them.
   /* Block comments nest. */
*/

// Leading comment of an import.
import std.vision   // trailing comment of an import

let a = 1 // trailing
let b = /* before the value */ 2
let c = // after `=`
  3


// Two blank lines above become one.
let total = a + // after `+`
  b +
  // before an operand
  c

let piped = source()   // first stage
  // before a stage
  |> clean()
  |> batch(32)  /* block at the end */

let xs = [
  1,  // one
  2,
  // before three
  3,
  /* trailing in the list */
]

let r = f(
  a, // first argument
  /* inline */ b,
)

fn documented(x: int /* the input */, y: int) -> int { // after `{`
  // only a comment before the statement
  return x + y  // sum
  // last words in the body
}

model commented {
  input x: [4]  // an input
  features {
    // an empty line follows

    linear(4) /* a layer */ |> relu
  }
  // between sections
  head { linear(2) }
}

role device[2] {
  // before a field
  data: d   // after a field
  budget {  // after the nested brace
    params: 10k  // params
  }
}

if a { print a } // after an if
else { print b } // after the else

let empty = {}  // an empty record
fn nothing() {
  // nothing but a comment
}
// The very last comment.
