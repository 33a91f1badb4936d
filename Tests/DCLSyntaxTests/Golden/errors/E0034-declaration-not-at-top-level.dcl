// Declarations and imports live at the top level of a file.
fn f() {
  model inner { }
  import std.vision
}
// error: 3:3 E0034 `model` declarations are only allowed at the top level of a file
// error: 4:3 E0034 `import` is only allowed at the top level of a file
