// A required word or symbol is missing.
bundle phone device { }
// error: 2:14 E0020 expected `for`, found `device`
train m d
// error: 4:9 E0020 expected `on`, found `d`
model adaptive = lenet(10)
// error: 6:16 E0020 expected `{` to open the model body, found `=`
fn f()
{
  return 1
}
// error: 8:7 E0020 expected `{` on the same line, found end of line
