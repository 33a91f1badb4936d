// `=` assigns; comparing is `==`, naming an argument is `:`.
if x = 1 { print x }
// error: 2:6 E0023 expected `{` after the condition, found `=`
f(k = 1)
// error: 4:5 E0023 expected `,` or `)`, found `=`
