// Control flow: conditions, loops, return and break.
if 3 {                           // error: E0201 an `if` condition must be a bool, found int
  print "x"
}
for i in 3 {                     // error: E0207 cannot iterate over a value of type int
  print i
}
break                            // error: E0113 `break` outside a loop
return 1                         // error: E0113 `return` outside a function, model or block
fn f() -> int {
  return "one"                   // error: E0201 this returns string, but int is expected
}
for i, c in "ab" {               // enumerating anything `for` iterates
  print i + 1, c
}
