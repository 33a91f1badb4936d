// STRING: text, escapes and interpolations.
print "", "plain", "a\tb", "x = {x}"
// ast: (print "" "plain" "a\tb" (str "x = " (interp x)))
